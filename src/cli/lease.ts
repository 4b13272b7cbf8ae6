// `take-a-number lease run|acquire|renew|release`: leases of a lease pool for scripts and CI.
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_URL } from '../client/http.js';
import { TakeANumber } from '../client/index.js';
import { leaseRun } from './lease-run.js';

function seconds(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 86_400) throw new InvalidArgumentError('expected a whole number of seconds from 1 to 86400');
  return Number(raw);
}

interface Flags {
  url: string;
  token?: string;
  ttl?: number;
}

const withServer = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--url <url>', 'the take-a-number server').env('TAKE_A_NUMBER_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'bearer token, if the server has TOKEN set').env('TAKE_A_NUMBER_TOKEN'));

const clientOf = (f: Flags, retries = 6, timeoutMs?: number): TakeANumber => new TakeANumber({ url: f.url, token: f.token, retries, timeoutMs });

const print = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);

export function leaseCommand(): Command {
  const lease = new Command('lease').description('hold a number of a lease pool (worker ids, CI slots, ports) while you renew it');
  lease.addCommand(
    withServer(new Command('run'))
      .description('acquire a lease, run a command with TAN_LEASE_NUMBER and TAN_LEASE_FENCE, renew it meanwhile, release it at the end; exits with the command\'s code')
      .argument('<pool>', 'lease pool')
      .argument('<command...>', 'the command, after --')
      .requiredOption('--holder <holder>', 'who holds the lease (e.g. the host or pod name)')
      .option('--ttl <seconds>', 'lease time (default: the pool\'s ttl)', seconds)
      .action(async (pool: string, command: string[], f: Flags & { holder: string }) => {
        process.exitCode = await leaseRun({ connect: (retries, timeoutMs) => clientOf(f, retries, timeoutMs), pool, holder: f.holder, ttl: f.ttl, command, say: (l) => void process.stderr.write(`${l}\n`) });
        // Renewal timers are gone; a keep-alive socket must not hold the exit.
        process.exit(process.exitCode);
      }),
  );
  lease.addCommand(
    withServer(new Command('acquire'))
      .description('acquire a lease and print it as JSON')
      .argument('<pool>', 'lease pool')
      .requiredOption('--holder <holder>', 'who holds the lease')
      .option('--ttl <seconds>', 'lease time (default: the pool\'s ttl)', seconds)
      .option('--idempotency-key <key>', 'a retry with the same key gets the same lease')
      .action(async (pool: string, f: Flags & { holder: string; idempotencyKey?: string }) => {
        print(await clientOf(f).acquireLease(pool, f.holder, { ...(f.ttl ? { ttl: f.ttl } : {}), ...(f.idempotencyKey ? { idempotencyKey: f.idempotencyKey } : {}) }));
      }),
  );
  lease.addCommand(
    withServer(new Command('renew'))
      .description('renew a lease and print its new expiry as JSON')
      .argument('<lease>', 'the lease id of the acquire answer')
      .option('--ttl <seconds>', 'lease time', seconds)
      .action(async (id: string, f: Flags) => print(await clientOf(f).renewLease(id, f.ttl))),
  );
  lease.addCommand(
    withServer(new Command('release'))
      .description('release a lease: its number is free at once')
      .argument('<lease>', 'the lease id of the acquire answer')
      .action(async (id: string, f: Flags) => print(await clientOf(f).releaseLease(id))),
  );
  return lease;
}
