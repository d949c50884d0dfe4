// ../shared (the acceptance corpus and reference schemas) sits beside the repository in CI and on
// the team's machines; a bare clone elsewhere has none, and the tests that read it are skipped there.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const sharedDir = resolve(repoRoot, '../shared');
export const corpusCases = resolve(sharedDir, 'corpus/cases');
export const hasCorpus = existsSync(corpusCases);
