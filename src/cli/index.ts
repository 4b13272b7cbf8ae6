#!/usr/bin/env node
// The take-a-number command: `serve` runs the server, `next` and `random` are clients for scripts, `migrate` moves state.
import { Command, CommanderError } from 'commander';
import { maskSecrets } from '../mask.js';
import { ClientError } from './client.js';
import { nextCommand, randomCommand } from './commands.js';
import { serveCommand } from './serve.js';

// Exit codes: 0 done, 1 the request failed (the reason is on stderr), 2 the command line is wrong.
const program = new Command('take-a-number')
  .description('hands out numbers that are never handed out twice')
  .exitOverride()
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (text, write) => write(`take-a-number: ${text.replace(/^error: /, '')}`) });

// addCommand does not pass settings down; the subcommands need the exit override and error format too.
for (const cmd of [serveCommand(), nextCommand(), randomCommand()]) program.addCommand(cmd.copyInheritedSettings(program));
program
  .command('migrate')
  .description('copy the state between a file and PostgreSQL (take-a-number migrate --help)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]')
  .action(async (_args: string[], _opts: unknown, cmd: Command) => {
    const { runMigrate } = await import('./migrate.js');
    process.exitCode = await runMigrate(cmd.args);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else if (e instanceof ClientError) {
    process.stderr.write(`take-a-number: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`take-a-number: ${maskSecrets((e as Error).message)}\n`);
    process.exitCode = 1;
  }
}
