// Parsing and validating one copy of the state file, the legacy flat format, and salvage of damaged text.
import { domainProblem, domainSize, type PoolDomain, type PoolKind } from '../random/domain.js';
import { idProblem } from '../ids.js';
import { seriesFromJson } from '../series/json.js';
import type { SeriesState } from '../series/sequence.js';
import { FORMAT, type IdempotencyEntry, type IdempotentResult, type State } from './state.js';
import type { PoolState } from './store.js';

export type Parsed = { state: State; legacy: boolean };

class ShapeError extends Error {}

const fail = (why: string): never => {
  throw new ShapeError(why);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function count(v: unknown, where: string): number {
  if (!isCount(v)) fail(`${where} is not a non-negative safe integer`);
  return v as number;
}

function sequences(obj: unknown, where: string): Map<string, number> {
  if (!isObject(obj)) fail(`${where} is not an object`);
  const map = new Map<string, number>();
  const record = obj as Record<string, unknown>;
  // for-in over own keys of a parsed object: no [key, value] array per entry, which counts at 100k sequences.
  for (const id in record) {
    const value = record[id];
    const problem = idProblem(id);
    if (problem) fail(`${where}: ${JSON.stringify(id.slice(0, 40))}: ${problem}`);
    // The message is built only on failure: building it per entry is garbage at 100k sequences.
    if (!isCount(value)) fail(`${where}[${JSON.stringify(id.slice(0, 40))}] is not a non-negative safe integer`);
    map.set(id, value as number);
  }
  return map;
}

export function parsePool(kind: PoolKind, v: unknown): PoolState {
  const where = `random.${kind}`;
  if (!isObject(v)) fail(`${where} is not an object`);
  const o = v as Record<string, unknown>;
  if (o.type !== kind) fail(`${where}.type is not "${kind}"`);
  if (typeof o.min !== 'number' || typeof o.max !== 'number') fail(`${where}.min/max are not numbers`);
  const domain: PoolDomain =
    kind === 'int'
      ? { type: 'int', min: o.min as number, max: o.max as number }
      : { type: 'float', min: o.min as number, max: o.max as number, decimals: o.decimals as number };
  const problem = domainProblem(domain);
  if (problem) fail(`${where}: ${problem}`);
  if (typeof o.key !== 'string' || !/^[0-9a-f]{64}$/.test(o.key)) fail(`${where}.key is not 64 hex digits`);
  const drawn = count(o.drawn, `${where}.drawn`);
  if (drawn > domainSize(domain)) fail(`${where}.drawn is past the end of its range`);
  return { domain, key: o.key as string, drawn };
}

function result(v: unknown, where: string): IdempotentResult {
  if (!isObject(v)) fail(`${where} is not an object`);
  const o = v as Record<string, unknown>;
  if (o.kind === 'next') {
    const r: IdempotentResult = { kind: 'next', first: count(o.first, `${where}.first`), last: count(o.last, `${where}.last`) };
    // [series] The period and date of a formatted answer, so a replay prints the same ids.
    if (typeof o.period === 'string') r.period = o.period;
    if (isObject(o.date)) r.date = { year: count(o.date.year, `${where}.date.year`), month: count(o.date.month, `${where}.date.month`), day: count(o.date.day, `${where}.date.day`) };
    return r;
  }
  if (o.kind === 'draw' && (o.pool === 'int' || o.pool === 'float'))
    return { kind: 'draw', pool: o.pool, start: count(o.start, `${where}.start`), count: count(o.count, `${where}.count`) };
  return fail(`${where}.kind is unknown`);
}

function idempotency(v: unknown): Map<string, IdempotencyEntry> {
  if (v === undefined) return new Map();
  if (!isObject(v)) fail('idempotency is not an object');
  const map = new Map<string, IdempotencyEntry>();
  for (const [key, e] of Object.entries(v as Record<string, unknown>)) {
    const where = `idempotency[${JSON.stringify(key.slice(0, 40))}]`;
    if (!isObject(e) || typeof e.request !== 'string') fail(`${where} is malformed`);
    const o = e as Record<string, unknown>;
    map.set(key, { fingerprint: o.request as string, at: count(o.at, `${where}.at`), result: result(o.result, `${where}.result`) });
  }
  return map;
}

/** [series] The optional "series" section: settings and periods by sequence id. */
function series(v: unknown, sequenceIds: Map<string, number>): Map<string, SeriesState> {
  const map = new Map<string, SeriesState>();
  if (v === undefined) return map;
  if (!isObject(v)) fail('series is not an object');
  for (const id in v as Record<string, unknown>) {
    const where = `series[${JSON.stringify(id.slice(0, 40))}]`;
    if (!sequenceIds.has(id)) fail(`${where} names no sequence`);
    try {
      map.set(id, seriesFromJson((v as Record<string, unknown>)[id]));
    } catch (e) {
      fail(`${where} ${(e as Error).message}`);
    }
  }
  return map;
}

function current(o: Record<string, unknown>): State {
  if (o.format !== FORMAT) fail(`format is ${JSON.stringify(o.format)}, expected ${FORMAT}`);
  const random: Partial<Record<PoolKind, PoolState>> = {};
  if (!isObject(o.random)) fail('random is not an object');
  for (const [kind, pool] of Object.entries(o.random as Record<string, unknown>)) {
    if (kind !== 'int' && kind !== 'float') fail(`random.${kind} is not a known pool`);
    random[kind as PoolKind] = parsePool(kind as PoolKind, pool);
  }
  const seqs = sequences(o.sequences, 'sequences');
  return {
    generation: count(o.generation, 'generation'),
    sequences: seqs,
    random,
    series: series(o.series, seqs),
    idempotency: idempotency(o.idempotency),
  };
}

/** Parses one copy. Throws an Error whose message says why the copy is not valid. */
export function parseStateText(text: string): Parsed {
  if (text.trim() === '') throw new Error('the file is empty');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(data)) throw new Error('not a JSON object');
  try {
    if ('format' in data) return { state: current(data), legacy: false };
    // The older take-a-number format: a flat object of non-negative integers.
    return { state: { generation: 0, sequences: sequences(data, 'legacy state'), random: {}, series: new Map(), idempotency: new Map() }, legacy: true };
  } catch (e) {
    if (e instanceof ShapeError) throw new Error(`wrong shape: ${e.message}`);
    throw e;
  }
}

/**
 * Reads whatever survives of damaged copies: every `"id": number` pair in the sequences part and every
 * intact pool. The highest value per id wins across copies.
 */
export function salvageTexts(texts: string[]): { state: State; notes: string[] } {
  const state: State = { generation: 0, sequences: new Map(), random: {}, series: new Map(), idempotency: new Map() };
  const notes: string[] = [];
  for (const text of texts) {
    const gen = /"generation"\s*:\s*(\d+)/.exec(text);
    if (gen && Number.isSafeInteger(Number(gen[1]))) state.generation = Math.max(state.generation, Number(gen[1]));
    const start = text.indexOf('"sequences"');
    // The top-level member is indented by two spaces; a sequence named "random" (four spaces) is not it.
    const randomAt = text.search(/\n  "random"\s*:/);
    const legacyLike = start < 0 && !text.includes('"format"');
    // [series] The sequences part also ends where a later section begins, should "random" be lost.
    const ends = [randomAt, text.search(/\n  "series"\s*:/), text.search(/\n  "idempotency"\s*:/)].filter((at) => at > start);
    const region = legacyLike ? text : start < 0 ? '' : text.slice(start + '"sequences"'.length, ends.length > 0 ? Math.min(...ends) : undefined);
    const pair = /"((?:[^"\\\n]|\\.)*)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
    for (let m = pair.exec(region); m; m = pair.exec(region)) {
      let id: string;
      try {
        id = JSON.parse(`"${m[1]}"`) as string;
      } catch {
        continue;
      }
      const value = Number(m[2]);
      if (idProblem(id) || !isCount(value)) continue;
      state.sequences.set(id, Math.max(state.sequences.get(id) ?? 0, value));
    }
    for (const kind of ['int', 'float'] as const) {
      const m = new RegExp(`"${kind}"\\s*:\\s*(\\{[^{}]*\\})`).exec(randomAt >= 0 ? text.slice(randomAt) : '');
      if (!m) continue;
      try {
        const pool = parsePool(kind, JSON.parse(m[1]!));
        const have = state.random[kind];
        if (!have || pool.drawn > have.drawn) state.random[kind] = pool;
      } catch {
        // unreadable pool: left out, reported below
      }
    }
  }
  // [series] Settings lines that survive; the latest period wins (with the highest value above: gaps, never repeats).
  for (const text of texts) {
    const start = text.search(/\n  "series"\s*:/);
    if (start < 0) continue;
    const end = text.indexOf('\n  "idempotency"', start);
    const region = text.slice(start, end > start ? end : undefined);
    const line = /^ {4}("(?:[^"\\\n]|\\.)*"): (\{.*\}),?$/gm;
    for (let m = line.exec(region); m; m = line.exec(region)) {
      let id: string;
      let found: SeriesState;
      try {
        id = JSON.parse(m[1]!) as string;
        found = seriesFromJson(JSON.parse(m[2]!));
      } catch {
        continue;
      }
      const have = state.series.get(id);
      if (!have || (found.period ?? '') > (have.period ?? '')) state.series.set(id, { ...found, periods: { ...have?.periods, ...found.periods } });
    }
  }
  for (const [id, series] of state.series) {
    if (!state.sequences.has(id)) state.series.delete(id);
    else if (series.period !== undefined)
      notes.push(`sequence ${JSON.stringify(id)} resumes in period ${series.period} from its salvaged settings; had a copy reached a later period, its ids there may repeat`);
  }
  for (const kind of ['int', 'float'] as const)
    if (!state.random[kind]) notes.push(`random pool "${kind}" could not be read and starts afresh with a new key: values it drew before may be drawn again`);
  return { state, notes };
}
