// The take-a-number command: `serve` runs the server, `next` and `random` are clients for scripts, `migrate` moves state.
import { maskSecrets } from '../mask.js';
import { Command, CommanderError } from 'commander';
import { ClientError } from '../client/http.js';
import { VERSION } from '../version.js';
import { nextCommand, randomCommand } from './commands.js';
import { serveCommand } from './serve.js';
import { confirmCommand, gapsCommand, reserveCommand, voidCommand } from './ledger.js';
import { leaseCommand } from './lease.js';

/** The words that make the image's entrypoint run the CLI instead of the server. */
export const CLI_WORDS = new Set(['serve', 'next', 'random', 'lease', 'migrate', 'reserve', 'confirm', 'void', 'gaps', 'help', '--help', '-h', '--version', '-V']);

// A reader that stops early (`take-a-number serve --help | head -1`) closes the pipe: that is not an error.
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
}

/** What to do next after a refusal the user can fix. */
function hint(e: ClientError): string {
  if (e.status === 401) return '; set TAKE_A_NUMBER_TOKEN (or --token) to the server\'s TOKEN';
  if (e.status === 403) return '; the token lacks the scope for this (see TOKENS_FILE on the server)';
  return '';
}

/** Runs the command line `args` (without node and the script); sets process.exitCode. */
export async function runCli(args: readonly string[]): Promise<void> {
  quietOnClosedPipe();
  // Exit codes: 0 done, 1 the request failed (the reason is on stderr), 2 the command line is wrong.
  const program = new Command('take-a-number')
    .description('hands out numbers that are never handed out twice')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (text, write) => write(`take-a-number: ${text.replace(/^error: /, '')}`) });

  // addCommand does not pass settings down; the subcommands need the exit override and error format too.
  for (const cmd of [serveCommand(), nextCommand(), randomCommand(), leaseCommand(), reserveCommand(), confirmCommand(), voidCommand(), gapsCommand()]) program.addCommand(cmd.copyInheritedSettings(program));
  for (const sub of program.commands.find((c) => c.name() === 'lease')!.commands) sub.copyInheritedSettings(program);
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
    await program.parseAsync([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
    else if (e instanceof ClientError) {
      process.stderr.write(`take-a-number: ${e.message}${hint(e)}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`take-a-number: ${maskSecrets((e as Error).message)}\n`);
      process.exitCode = 1;
    }
  }
}
