// The TypeScript compiler that ts-morph bundles, loaded with require(): importing the CommonJS
// bundle from ESM makes Node scan its 10 MB of source for export names first (about 0.15 s a run).
import tsMorph = require('ts-morph');
export = tsMorph.ts;
