/** Reads a file's text for code frames and snippets (the audit's own cached copy). */
export type SourceTextReader = (file: string) => string | undefined;
