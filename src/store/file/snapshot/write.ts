// Writes snapshot format 2 (FORMAT.md): one JSON object, one entry per line, the generation it covers, and
// the checksum line last. Serialized in slices so a large state does not hold the event loop.
import { crc32 } from 'node:zlib';
import { hex32 } from '../journal/record.js';
import type { ChainHead } from '../../../ledger/book.js';
import type { State } from '../state.js';
import { idempotencyJson, poolJson, sequenceEntryJson } from '../validate.js';
import { CHECKSUM, FORMAT } from './checksum.js';
import { leasePoolJson } from '../leases/json.js';

/** Sequences per slice: the event loop gets a turn between slices while a large state is serialized. */
const SLICE = 2_000;

const entry = (key: string, value: string): string => `    ${JSON.stringify(key)}: ${value}`;

function section(name: string, lines: string[]): string {
  return `  "${name}": ${lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n  }`},\n`;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The snapshot text of `state` as it is while this runs, in chunks. With `yielding`, the event loop gets a
 * turn between slices: requests keep changing the state meanwhile, and some of their newer values land in
 * the snapshot. That is safe: values only move forward, and replaying the records after `generation`
 * (a max per value) ends at the same state.
 */
export async function serializeSnapshot(state: State, generation: number, yielding: boolean, ledgerHeads: ReadonlyMap<string, ChainHead> = state.ledger.chains): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let crc = 0;
  const push = (text: string): void => {
    const b = Buffer.from(text);
    crc = crc32(b, crc);
    chunks.push(b);
  };
  push(`{\n  "format": ${FORMAT},\n  "generation": ${generation},\n  "sequences": {`);
  let lines: string[] = [];
  let first = true;
  for (const [id, value] of state.sequences) {
    lines.push(entry(id, String(value)));
    if (lines.length === SLICE) {
      push(`${first ? '\n' : ',\n'}${lines.join(',\n')}`);
      first = false;
      lines = [];
      if (yielding) await turn();
    }
  }
  if (lines.length > 0) {
    push(`${first ? '\n' : ',\n'}${lines.join(',\n')}`);
    first = false;
  }
  push(first ? '},\n' : '\n  },\n');
  const pools: string[] = [];
  for (const [name, p] of state.pools) pools.push(entry(name, JSON.stringify(poolJson(p))));
  const idem: string[] = [];
  for (const [key, e] of state.idempotency) idem.push(entry(key, JSON.stringify(idempotencyJson(e))));
  // Written only when some sequence has settings; each entry carries its own value, so a value the
  // sliced "sequences" section caught in an earlier period cannot pair with a later period's settings.
  const series: string[] = [];
  for (const [id, s] of state.series) series.push(entry(id, JSON.stringify(sequenceEntryJson({ last: state.sequences.get(id)!, series: s }))));
  // The chain heads the ledger file holds (written only when some sequence keeps a ledger).
  const ledger: string[] = [];
  for (const [id, h] of ledgerHeads) ledger.push(entry(id, JSON.stringify({ event: h.event, hash: h.hash })));
  // Written only when there are lease pools: a state without them keeps the layout of files before them.
  const leases: string[] = [];
  for (const [name, p] of state.leases) leases.push(entry(name, JSON.stringify(leasePoolJson(p))));
  push(
    section('pools', pools) +
      (series.length > 0 ? section('series', series) : '') +
      (leases.length > 0 ? section('leases', leases) : '') +
      (ledger.length > 0 ? section('ledger', ledger) : '') +
      section('idempotency', idem),
  );
  chunks.push(Buffer.from(`${CHECKSUM}${hex32(crc)}"\n}\n`));
  return chunks;
}
