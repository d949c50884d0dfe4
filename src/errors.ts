// A mistake of the user's (flag, path, config): reported as one line, exit code 2, no stack.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown (code may throw strings, null or objects without a message). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  try {
    return String(e);
  } catch {
    return 'an unprintable value';
  }
}
