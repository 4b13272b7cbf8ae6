// `take-a-number serve`: every setting of config.ts as a flag (so --help lists them), passed on to loadConfig.
import { Command, Option } from 'commander';
import { SETTINGS } from '../config.js';
import { VERSION } from '../version.js';

export function serveCommand(): Command {
  const cmd = new Command('serve').description('run the server (the default of the image)').version(VERSION, '-V, --version', 'print the version').addHelpText('after', '\nEvery flag can also be set by its environment variable; a flag wins over the environment.');
  const options = SETTINGS.map((s) => {
    const option = new Option(`--${s.flag} <value>`, `${s.help} [env ${s.env}]${s.default === undefined ? '' : ` (default: ${s.default})`}`);
    cmd.addOption(option);
    return { flag: s.flag, option };
  });
  return cmd.action(async () => {
    const argv: string[] = [];
    for (const { flag, option } of options) {
      const v = cmd.getOptionValue(option.attributeName()) as string | undefined;
      if (v !== undefined) argv.push(`--${flag}`, v);
    }
    // Loaded here, not at the top: the client commands should not pay for koa and the store.
    const { serve } = await import('../main.js');
    await serve(argv);
  });
}
