#!/usr/bin/env node
// Entry point of `npm run lab -- <command>` (compiled to dist/test/lab/cli.js).
import { buildLabProgram } from './program.js';

await buildLabProgram().parseAsync(process.argv);
