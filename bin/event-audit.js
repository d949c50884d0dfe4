#!/usr/bin/env node
// Loads the built CLI; nothing else.
import { run } from '../dist/src/cli.js';

const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
process.exitCode = code;
