// A mistake of the user's (flag, path, config): reported as one line, exit code 2, no stack.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
