// Tests load the compiler through ts-morph's ESM entry: Vite does not transform the .cts shim
// the built tool uses (src/analysis/typescript.cts). Same compiler, same object.
import { ts } from 'ts-morph';

export default ts;
