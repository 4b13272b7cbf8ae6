// The client commands for scripts: `next <id>` and `random`, printing the server's bare values.
import { Command, InvalidArgumentError, Option } from 'commander';
import { call, DEFAULT_URL, type ClientOptions } from '../client/http.js';

export function wholeNumber(min: number, max: number): (raw: string) => number {
  return (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return Number(raw);
  };
}

function positiveSeconds(raw: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) throw new InvalidArgumentError('expected a number of seconds above 0');
  return Number(raw);
}

export interface ClientFlags {
  url: string;
  token?: string;
  retries: number;
  timeout: number;
  idempotencyKey?: string;
}

export function withClientOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'the take-a-number server').env('TAKE_A_NUMBER_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'bearer token, if the server has TOKEN set').env('TAKE_A_NUMBER_TOKEN'))
    .option('--retries <n>', 'retries of connection failures, timeouts and 5xx (never 4xx)', wholeNumber(0, 100), 6)
    .option('--timeout <seconds>', 'time limit of each attempt', positiveSeconds, 10)
    .option('--idempotency-key <key>', 'reuse a key across invocations (e.g. $CI_JOB_ID) to get the same values on a rerun; default: a new one per invocation');
}

export const clientOptions = (f: ClientFlags): ClientOptions => ({
  url: f.url,
  token: f.token,
  retries: f.retries,
  timeoutMs: Math.round(f.timeout * 1000),
  idempotencyKey: f.idempotencyKey,
});

const query = (q: Record<string, string | undefined>): string =>
  `?${new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`;

export function nextCommand(): Command {
  return withClientOptions(
    new Command('next')
      .description('hand out the next value(s) of a sequence and print them, one per line (its formatted ids if it has a format)')
      .argument('<id>', 'sequence id')
      .option('--count <n>', 'reserve n consecutive values (1-10000)', wholeNumber(1, 10000)),
  ).action(async (id: string, flags: ClientFlags & { count?: number }) => {
    process.stdout.write(await call('POST', `/next/${encodeURIComponent(id)}${query({ count: flags.count?.toString(), format: 'text' })}`, clientOptions(flags)));
  });
}

export function randomCommand(): Command {
  return withClientOptions(
    new Command('random')
      .description('hand out random number(s) or codes never handed out before and print them, one per line')
      .addOption(new Option('--type <type>', 'int or float').choices(['int', 'float']).default('int'))
      .addOption(new Option('--pool <name>', 'a named pool (PUT /pools/<name>) instead of --type').conflicts('type'))
      .option('--count <n>', 'how many (1-10000)', wholeNumber(1, 10000)),
  ).action(async (flags: ClientFlags & { type: string; pool?: string; count?: number }) => {
    const count = flags.count?.toString();
    const path =
      flags.pool === undefined
        ? `/random${query({ type: flags.type, count, format: 'text' })}`
        : `/random/${encodeURIComponent(flags.pool)}${query({ count, format: 'text' })}`;
    process.stdout.write(await call('GET', path, clientOptions(flags)));
  });
}
