#!/usr/bin/env node
// The take-a-number command: `serve` runs the server; client commands come with the operators' work.
import { serve } from '../main.js';

const [command, ...rest] = process.argv.slice(2);
if (command === 'serve') await serve(rest);
else {
  process.stderr.write('usage: take-a-number serve [--port N] [--sequence-file PATH] ...\n');
  process.exit(2);
}
