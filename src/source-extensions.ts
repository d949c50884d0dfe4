/** File endings audited as source (declaration files excluded elsewhere). Kept apart so the CLI can pick files without loading the compiler. */
export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
