#!/usr/bin/env node
// The take-a-number command (package bin); src/cli/program.ts has the commands.
import { runCli } from './program.js';

await runCli(process.argv.slice(2));
