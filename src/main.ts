// The image's one entrypoint (and the package's main): no arguments or only flags run the server; a command
// word (next, random, migrate, serve) or --help/--version runs the CLI (src/cli/program.ts).
import { fileURLToPath } from 'node:url';
import { loadConfig, settingsHelp } from './config.js';
import { maskSecrets } from './mask.js';

/** Runs the server with settings from `argv` (flags only) over the environment; exits 2 on a bad setting. */
async function serveArgv(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: take-a-number [--setting value ...]; each setting also comes from its environment variable:\n${settingsHelp()}\n`);
    process.exit(0);
  }
  let config;
  try {
    config = loadConfig(argv, process.env);
  } catch (e) {
    process.stderr.write(`take-a-number: ${maskSecrets((e as Error).message)}\n`);
    process.exit(2);
  }
  const { runServer } = await import('./run-server.js');
  await runServer(config);
}

/** The entrypoint's choice: the CLI for a command word or --help/--version, else the server with these flags. */
export async function entry(args: readonly string[]): Promise<void> {
  const { CLI_WORDS, runCli } = await import('./cli/program.js');
  if (args[0] !== undefined && CLI_WORDS.has(args[0])) await runCli(args);
  else await serveArgv(args);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await entry(process.argv.slice(2));
