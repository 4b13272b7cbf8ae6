// Reads one snapshot copy in any format this version knows: format 2 through its byte scanner when the
// checksum holds, else through JSON.parse, which says what is wrong; format 1 and the flat file as legacy.
import { idProblem } from '../../../ids.js';
import type { PoolState } from '../../store.js';
import type { ChainHead } from '../../../ledger/book.js';
import { emptyState, type State } from '../state.js';
import { count, fail, idempotencyEntries, isObject, namedPool, sequenceEntry, sequences, ShapeError } from '../validate.js';
import { checksumProblem, FORMAT } from './checksum.js';
import { flat, format1, withHighestDuplicates } from './legacy.js';
import { scanFlat, scanOwnLayout } from './scan.js';
import { leasePoolsFrom } from '../leases/json.js';

export interface ParsedSnapshot {
  state: State;
  /** 2, 1, or 0 for the flat legacy file. */
  format: number;
}

function format2(o: Record<string, unknown>): State {
  const pools = new Map<string, PoolState>();
  if (!isObject(o.pools)) fail('pools is not an object');
  for (const [name, p] of Object.entries(o.pools as Record<string, unknown>)) pools.set(name, namedPool(p, `pools.${name}`, name));
  const state: State = { ...emptyState(), generation: count(o.generation, 'generation'), sequences: sequences(o.sequences, 'sequences'), pools, idempotency: idempotencyEntries(o.idempotency), leases: leasePoolsFrom(o.leases) };
  for (const name of state.leases.keys()) if (pools.has(name)) fail(`leases.${name}: the name is a random pool's too`);
  readSeries(state, o.series);
  if (o.ledger !== undefined) state.ledgerHeads = ledgerHeads(o.ledger);
  return state;
}

/** The "series" section: each entry's value is the sequence's value. */
function readSeries(state: State, v: unknown): void {
  if (v === undefined) return;
  if (!isObject(v)) fail('series is not an object');
  const record = v as Record<string, unknown>;
  for (const id in record) {
    if (idProblem(id)) fail(`series: ${JSON.stringify(id.slice(0, 40))}: ${idProblem(id)}`);
    const s = sequenceEntry(record[id], `series[${JSON.stringify(id.slice(0, 40))}]`);
    state.sequences.set(id, s.last);
    if (s.series) state.series.set(id, s.series);
  }
}

/** The "ledger" section: sequence id → the chain head the ledger file holds. */
function ledgerHeads(v: unknown): Map<string, ChainHead> {
  if (!isObject(v)) return fail('ledger is not an object');
  const heads = new Map<string, ChainHead>();
  for (const [id, h] of Object.entries(v)) {
    if (idProblem(id)) fail(`ledger: ${JSON.stringify(id.slice(0, 40))}: ${idProblem(id)}`);
    if (!isObject(h) || typeof h.hash !== 'string' || !/^[0-9a-f]{64}$/.test(h.hash)) fail(`ledger[${JSON.stringify(id.slice(0, 40))}] is malformed`);
    heads.set(id, { event: count((h as Record<string, unknown>).event, `ledger[${JSON.stringify(id.slice(0, 40))}].event`), hash: (h as Record<string, unknown>).hash as string });
  }
  return heads;
}

/** Format 2 as this engine writes it, its large section scanned from the bytes; undefined for any other layout. */
function readOwnLayout(bytes: Buffer): State | undefined {
  const scanned = scanOwnLayout(bytes);
  if (!scanned) return undefined;
  const state = format2({ ...scanned.rest, generation: scanned.generation, sequences: {}, series: undefined });
  state.sequences = scanned.sequences;
  readSeries(state, scanned.rest.series);
  return state;
}

/** A file of ours has "format", "generation" and "sequences"; anything else that is all numbers is the flat file (even with an id named "format"). */
const isOurs = (o: Record<string, unknown>): boolean => 'format' in o && 'generation' in o && isObject(o.sequences);

/** Parses one snapshot copy. Throws an Error whose message says why it is not valid. */
export function parseSnapshot(bytes: Buffer): ParsedSnapshot {
  if (checksumProblem(bytes) === undefined) {
    try {
      const own = readOwnLayout(bytes);
      if (own) return { state: own, format: 2 };
    } catch {
      // not the layout this engine writes: the general path below says what is wrong
    }
  } else {
    try {
      // Valid UTF-8 first: a damaged byte inside an id must not quietly become U+FFFD and another id.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      const scanned = scanFlat(bytes);
      if (scanned) return { state: { ...emptyState(), sequences: scanned }, format: 0 };
    } catch {
      // the general path below says what is wrong
    }
  }
  let text: string;
  try {
    // JSON text is UTF-8: damaged bytes inside an id must not quietly turn into U+FFFD and make another id.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('not valid UTF-8');
  }
  if (text.trim() === '') throw new Error('the file is empty');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(data)) throw new Error('not a JSON object');
  try {
    if (isOurs(data) && data.format === FORMAT) {
      const problem = checksumProblem(bytes);
      if (problem) throw new Error(problem);
      return { state: format2(data), format: 2 };
    }
    if (isOurs(data) && data.format === 1) return { state: withHighestDuplicates(format1(data), text), format: 1 };
    if (isOurs(data)) return fail(`format is ${JSON.stringify(data.format)}, this version reads 1 and 2`);
    return { state: withHighestDuplicates(flat(data), text), format: 0 };
  } catch (e) {
    if (e instanceof ShapeError) throw new Error(`wrong shape: ${e.message}`);
    throw e;
  }
}
