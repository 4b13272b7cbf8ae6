// One journal record as one line of JSON: {"g":<generation>, "seq":{…}, "pools":{…}, "idem":{…}, "series":{…}, "leases":{…}, "crc":"<crc32>"}.
// The CRC-32 covers the line's text before `,"crc"`, so `tail` shows a record and one flipped bit fails it.
import { crc32 } from 'node:zlib';
import type { Changes, PoolChange } from '../apply.js';
import { checkSequences, count, fail, idempotencyEntry, idempotencyJson, isObject, namedPool, poolJson, sequenceEntry, sequenceEntryJson, ShapeError } from '../validate.js';
import type { SequenceState } from '../../../series/sequence.js';
import { isWholePool } from '../apply.js';
import type { IdempotencyEntry } from '../../store.js';
import { ordered } from '../../../ledger/record.js';
import { ledgerRecord } from '../ledger/shape.js';
import { changeJson, changesFrom } from '../leases/json.js';

export interface JournalRecord extends Changes {
  g: number;
}

const CRC = ',"crc":"';

export const hex32 = (n: number): string => n.toString(16).padStart(8, '0');

/** The record's line, newline included. */
export function encodeRecord(g: number, changes: Changes): string {
  const body: Record<string, unknown> = { g };
  if (changes.seq) body.seq = changes.seq;
  if (changes.pools) {
    const pools: Record<string, unknown> = {};
    for (const name in changes.pools) {
      const p = changes.pools[name]!;
      pools[name] = isWholePool(p) ? poolJson(p) : { drawn: p.drawn };
    }
    body.pools = pools;
  }
  if (changes.idem) {
    const idem: Record<string, unknown> = {};
    for (const key in changes.idem) idem[key] = idempotencyJson(changes.idem[key]!);
    body.idem = idem;
  }
  if (changes.series) {
    const series: Record<string, unknown> = {};
    for (const id in changes.series) series[id] = sequenceEntryJson(changes.series[id]!);
    body.series = series;
  }
  if (changes.ledger) body.ledger = changes.ledger.map(ordered);
  if (changes.leases) body.leases = Object.fromEntries(Object.entries(changes.leases).map(([name, c]) => [name, changeJson(c)]));
  const head = JSON.stringify(body).slice(0, -1);
  return `${head}${CRC}${hex32(crc32(head))}"}\n`;
}

/** Decodes one line (without its newline); throws an Error saying why it is not an intact record. */
export function decodeRecord(line: string): JournalRecord {
  const at = line.lastIndexOf(CRC);
  if (at < 0 || !line.endsWith('"}') || line.length !== at + CRC.length + 8 + 2) throw new Error('no checksum at the end of the line');
  const head = line.slice(0, at);
  if (hex32(crc32(head)) !== line.slice(at + CRC.length, at + CRC.length + 8)) throw new Error('checksum mismatch');
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  try {
    if (!isObject(data)) return fail('not an object');
    const o = data as Record<string, unknown>;
    const record: JournalRecord = { g: count(o.g, 'g') };
    if (o.g === 0) fail('g is 0');
    if (o.seq !== undefined) record.seq = checkSequences(o.seq, 'seq');
    if (o.pools !== undefined) {
      if (!isObject(o.pools)) fail('pools is not an object');
      const pools: Record<string, PoolChange> = {};
      for (const [name, p] of Object.entries(o.pools as Record<string, unknown>)) {
        if (isObject(p) && 'key' in p) pools[name] = namedPool(p, `pools.${name}`, name);
        else pools[name] = { drawn: count(isObject(p) ? p.drawn : undefined, `pools.${name}.drawn`) };
      }
      record.pools = pools;
    }
    if (o.idem !== undefined) {
      if (!isObject(o.idem)) fail('idem is not an object');
      const idem: Record<string, IdempotencyEntry> = {};
      for (const [key, e] of Object.entries(o.idem as Record<string, unknown>)) idem[key] = idempotencyEntry(e, `idem[${JSON.stringify(key.slice(0, 40))}]`);
      record.idem = idem;
    }
    if (o.series !== undefined) {
      const checked = checkSequences(Object.fromEntries(Object.keys(isObject(o.series) ? o.series : fail('series is not an object')).map((id) => [id, 0])), 'series');
      const series: Record<string, SequenceState> = {};
      for (const id in checked) series[id] = sequenceEntry((o.series as Record<string, unknown>)[id], `series[${JSON.stringify(id.slice(0, 40))}]`);
      record.series = series;
    }
    if (o.ledger !== undefined) {
      if (!Array.isArray(o.ledger)) fail('ledger is not an array');
      record.ledger = (o.ledger as unknown[]).map((r, i) => ledgerRecord(r, `ledger[${i}]`));
    }
    if (o.leases !== undefined) record.leases = changesFrom(o.leases);
    return record;
  } catch (e) {
    if (e instanceof ShapeError) throw new Error(`wrong shape: ${e.message}`);
    throw e;
  }
}
