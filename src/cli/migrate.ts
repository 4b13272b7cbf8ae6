// `take-a-number migrate --from <state file | postgres url> --to <postgres url | state file> [--take-max]`:
// copies sequences, random pools (key and counter) and idempotency keys so that nothing is re-issued after the move.
import { parseArgs } from 'node:util';
import { StartupError } from '../errors.js';
import { maskSecrets } from '../mask.js';
import { exportFileState, importFileState } from '../store/file/export.js';
import { redactUrl } from '../store/postgres/connection.js';
import { exportPostgresState, importPostgresState } from '../store/postgres/export.js';
import { mergeInto, MigrateRefusal, type Merged, type Snapshot } from './migrate-snapshot.js';

export interface MigrateIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const processIo: MigrateIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

const USAGE = 'usage: take-a-number migrate --from <state file | postgres url> --to <postgres url | state file> [--take-max]';

const isUrl = (s: string): boolean => /^postgres(ql)?:\/\//.test(s);
const label = (s: string): string => (isUrl(s) ? redactUrl(s) : s);

const read = (from: string): Promise<Snapshot> => (isUrl(from) ? exportPostgresState(from) : exportFileState(from));

function update(to: string, fn: (current: Snapshot) => Snapshot): Promise<void> {
  return isUrl(to) ? importPostgresState(to, fn) : importFileState(to, fn);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Runs the command; returns the exit code (0 done, 1 refused or failed, 2 usage). Never exits the process. */
export async function runMigrate(args: string[], io: MigrateIo = processIo): Promise<number> {
  let from: string | undefined;
  let to: string | undefined;
  let takeMax = false;
  try {
    const { values } = parseArgs({
      args,
      options: { from: { type: 'string' }, to: { type: 'string' }, 'take-max': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(`${USAGE}\n\nCopies sequences, random pools (key and position) and idempotency keys so that nothing is handed out twice after the move.\n` +
        `Stop the servers of both places first. --take-max keeps the larger value where the target is ahead.`);
      return 0;
    }
    ({ from, to } = values);
    takeMax = values['take-max'] === true;
  } catch (e) {
    io.stderr(`take-a-number migrate: ${maskSecrets((e as Error).message)}; ${USAGE}`);
    return 2;
  }
  if (!from || !to) {
    io.stderr(`take-a-number migrate: --from and --to are both required; ${USAGE}`);
    return 2;
  }
  if (from === to) {
    io.stderr('take-a-number migrate: --from and --to name the same place');
    return 2;
  }
  const target = to;
  try {
    const source = await read(from);
    let merged: Merged | undefined;
    await update(target, (current) => {
      merged = mergeInto(source, current, takeMax);
      return merged.snapshot;
    });
    const s = merged!.snapshot;
    const pools = source.random.size;
    const kept = merged!.ahead.length > 0 ? `; kept the target's larger value in ${plural(merged!.ahead.length, 'place')} (--take-max)` : '';
    io.stdout(
      `migrated ${plural(source.sequences.size, 'sequence')}, ${plural(pools, 'random pool')} and ${plural(source.idempotency.size, 'idempotency key')} ` +
        `from ${label(from)} to ${label(target)} (the target now holds ${plural(s.sequences.size, 'sequence')})${kept}`,
    );
    return 0;
  } catch (e) {
    const known = e instanceof MigrateRefusal || e instanceof StartupError;
    io.stderr(`take-a-number migrate: ${known ? '' : 'failed: '}${maskSecrets((e as Error).message.replace(/\s*\n\s*/g, ' '))}`);
    return 1;
  }
}
