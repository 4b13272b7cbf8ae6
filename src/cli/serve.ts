// `take-a-number serve`: every setting of config.ts as a flag (so --help lists them); the parsed values go
// to loadConfig as they are.
import { Command, Option } from 'commander';
import { loadConfig, SETTINGS } from '../config.js';
import { maskSecrets } from '../mask.js';
import { VERSION } from '../version.js';

export function serveCommand(): Command {
  const cmd = new Command('serve').description('run the server (the default of the image)').version(VERSION, '-V, --version', 'print the version').addHelpText('after', '\nEvery flag can also be set by its environment variable; a flag wins over the environment.');
  const options = SETTINGS.map((s) => {
    const option = new Option(`--${s.flag} <value>`, `${s.help} [env ${s.env}]${s.default === undefined ? '' : ` (default: ${s.default})`}`);
    cmd.addOption(option);
    return { flag: s.flag, option };
  });
  return cmd.action(async () => {
    const flags: Record<string, string | undefined> = {};
    for (const { flag, option } of options) flags[flag] = cmd.getOptionValue(option.attributeName()) as string | undefined;
    let config;
    try {
      config = loadConfig(flags, process.env);
    } catch (e) {
      // A bad setting is a usage error: exit 2, as for the bare entrypoint.
      process.stderr.write(`take-a-number: ${maskSecrets((e as Error).message)}\n`);
      process.exit(2);
    }
    // Loaded here, not at the top: the client commands should not pay for koa and the store.
    const { runServer } = await import('../run-server.js');
    await runServer(config);
  });
}
