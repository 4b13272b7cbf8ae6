// Checks of values read back from disk (snapshot and journal alike): each failure says where and why.
import { idProblem } from '../../ids.js';
import { parseDefinition, poolNameProblem } from '../../random/definition.js';
import { domainSize, type PoolDomain } from '../../random/domain.js';
import { seriesFromJson, seriesToJson, type SeriesJson } from '../../series/json.js';
import type { IssueDate } from '../../series/format.js';
import type { SequenceState } from '../../series/sequence.js';
import type { IdempotencyEntry, IdempotentResult, PoolState } from '../store.js';

export class ShapeError extends Error {}

export const fail = (why: string): never => {
  throw new ShapeError(why);
};

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function count(v: unknown, where: string): number {
  if (!isCount(v)) fail(`${where} is not a non-negative safe integer`);
  return v as number;
}

/** Checks an id → last value object in place (a journal record's, small and many: no copy). */
export function checkSequences(obj: unknown, where: string): Record<string, number> {
  if (!isObject(obj)) fail(`${where} is not an object`);
  const record = obj as Record<string, unknown>;
  for (const id in record) {
    if (idProblem(id)) fail(`${where}: ${JSON.stringify(id.slice(0, 40))}: ${idProblem(id)}`);
    if (!isCount(record[id])) fail(`${where}[${JSON.stringify(id.slice(0, 40))}] is not a non-negative safe integer`);
  }
  return record as Record<string, number>;
}

/** id → last value, every id valid. */
export function sequences(obj: unknown, where: string): Map<string, number> {
  if (!isObject(obj)) fail(`${where} is not an object`);
  const map = new Map<string, number>();
  const record = obj as Record<string, unknown>;
  // for-in over own keys of a parsed object: no [key, value] array per entry, which counts in a large state.
  for (const id in record) {
    const value = record[id];
    if (idProblem(id)) fail(`${where}: ${JSON.stringify(id.slice(0, 40))}: ${idProblem(id)}`);
    // The message is built only on failure: building it per entry is garbage in a large state.
    if (!isCount(value)) fail(`${where}[${JSON.stringify(id.slice(0, 40))}] is not a non-negative safe integer`);
    map.set(id, value as number);
  }
  return map;
}

/** A pool definition of any type (int, float, code: the rules of PUT /pools), each type keeping its own fields. */
export function domain(v: unknown, where: string): PoolDomain {
  if (!isObject(v)) fail(`${where} is not an object`);
  const parsed = parseDefinition(v);
  if ('problem' in parsed) return fail(`${where}: ${parsed.problem}`);
  return parsed.domain;
}

/** A whole pool: `{domain, key, drawn}` (format 2), or format 1's `{type, …definition, key, drawn}`. */
export function pool(v: unknown, where: string): PoolState {
  if (!isObject(v)) fail(`${where} is not an object`);
  const o = v as Record<string, unknown>;
  let d: PoolDomain;
  if ('domain' in o) d = domain(o.domain, `${where}.domain`);
  else {
    const { key: _key, drawn: _drawn, ...definition } = o;
    d = domain(definition, where);
  }
  if (typeof o.key !== 'string' || !/^[0-9a-f]{64}$/.test(o.key)) fail(`${where}.key is not 64 hex digits`);
  const drawn = count(o.drawn, `${where}.drawn`);
  if (drawn > domainSize(d)) fail(`${where}.drawn is past the end of its range`);
  return { domain: d, key: o.key as string, drawn };
}

/** A pool under its name: a valid pool name, and "int" and "float" (the RANDOM_* pools) of their own type. */
export function namedPool(v: unknown, where: string, name: string): PoolState {
  const problem = poolNameProblem(name);
  if (problem) fail(`${where}: ${problem}`);
  const p = pool(v, where);
  if ((name === 'int' || name === 'float') && p.domain.type !== name) fail(`${where}.type is not "${name}"`);
  return p;
}

function result(v: unknown, where: string): IdempotentResult {
  if (!isObject(v)) fail(`${where} is not an object`);
  const o = v as Record<string, unknown>;
  if (o.kind === 'next') {
    const next: IdempotentResult = { kind: 'next', first: count(o.first, `${where}.first`), last: count(o.last, `${where}.last`) };
    // A formatted answer replays with its own period and date.
    if (o.period !== undefined) next.period = typeof o.period === 'string' ? o.period : fail(`${where}.period is not a string`);
    if (o.date !== undefined) next.date = issueDate(o.date, `${where}.date`);
    if (o.format !== undefined) next.format = typeof o.format === 'string' ? o.format : fail(`${where}.format is not a string`);
    return next;
  }
  if (o.kind === 'draw' && typeof o.pool === 'string' && !poolNameProblem(o.pool))
    return { kind: 'draw', pool: o.pool, start: count(o.start, `${where}.start`), count: count(o.count, `${where}.count`) };
  if (o.kind === 'reserve' && typeof o.reservation === 'string') return { kind: 'reserve', reservation: o.reservation };
  if (o.kind === 'lease' && typeof o.pool === 'string' && !poolNameProblem(o.pool))
    return { kind: 'lease', pool: o.pool, number: count(o.number, `${where}.number`), fence: count(o.fence, `${where}.fence`) };
  return fail(`${where}.kind is unknown`);
}

/** One stored idempotency key; on disk the fingerprint is called "request". */
export function idempotencyEntry(v: unknown, where: string): IdempotencyEntry {
  if (!isObject(v) || typeof v.request !== 'string') fail(`${where} is malformed`);
  const o = v as Record<string, unknown>;
  return { fingerprint: o.request as string, at: count(o.at, `${where}.at`), result: result(o.result, `${where}.result`) };
}

/** The idempotency section of a snapshot (absent in files written before keys existed). */
export function idempotencyEntries(v: unknown): Map<string, IdempotencyEntry> {
  const map = new Map<string, IdempotencyEntry>();
  if (v === undefined) return map;
  if (!isObject(v)) fail('idempotency is not an object');
  for (const [key, e] of Object.entries(v as Record<string, unknown>)) map.set(key, idempotencyEntry(e, `idempotency[${JSON.stringify(key.slice(0, 40))}]`));
  return map;
}

export const idempotencyJson = (e: IdempotencyEntry): { request: string; at: number; result: IdempotentResult } => ({ request: e.fingerprint, at: e.at, result: e.result });

export const poolJson = (p: PoolState): { domain: PoolDomain; key: string; drawn: number } => ({ domain: p.domain, key: p.key, drawn: p.drawn });

function issueDate(v: unknown, where: string): IssueDate {
  if (!isObject(v) || !isCount(v.year) || !isCount(v.month) || !isCount(v.day)) return fail(`${where} is not a {year, month, day} date`);
  return { year: v.year as number, month: v.month as number, day: v.day as number };
}

/** One sequence's whole state as stored: `{"last": n, ...settings and periods}`, or `{"last": n}` without settings. */
export function sequenceEntry(v: unknown, where: string): SequenceState {
  if (!isObject(v)) return fail(`${where} is not an object`);
  const last = count(v.last, `${where}.last`);
  if (!('reset' in v)) return { last };
  const { last: _last, ...rest } = v;
  try {
    return { last, series: seriesFromJson(rest) };
  } catch (e) {
    return fail(`${where}: ${(e as Error).message}`);
  }
}

export const sequenceEntryJson = (s: SequenceState): { last: number } & Partial<SeriesJson> => (s.series ? { last: s.last, ...seriesToJson(s.series) } : { last: s.last });
