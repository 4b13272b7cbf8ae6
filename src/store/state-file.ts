// Parsing and validating one copy of the state file, the legacy flat format, and salvage of damaged text.
import { domainSize } from '../random/domain.js';
import { parseDefinition, poolNameProblem } from '../random/definition.js';
import { idProblem } from '../ids.js';
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

/** One pool of the "random" object: its definition, key and position (int/float as before, plus named pools). */
export function parsePool(name: string, v: unknown): PoolState {
  const where = `random.${name}`;
  if (poolNameProblem(name)) fail(`${where}: ${poolNameProblem(name)}`);
  if (!isObject(v)) fail(`${where} is not an object`);
  const { key, drawn: rawDrawn, ...definition } = v as Record<string, unknown>;
  const parsed = parseDefinition(definition);
  if ('problem' in parsed) return fail(`${where}: ${parsed.problem}`);
  if ((name === 'int' || name === 'float') && parsed.domain.type !== name) fail(`${where}.type is not "${name}"`);
  if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) fail(`${where}.key is not 64 hex digits`);
  const drawn = count(rawDrawn, `${where}.drawn`);
  if (drawn > domainSize(parsed.domain)) fail(`${where}.drawn is past the end of its range`);
  return { domain: parsed.domain, key: key as string, drawn };
}

function result(v: unknown, where: string): IdempotentResult {
  if (!isObject(v)) fail(`${where} is not an object`);
  const o = v as Record<string, unknown>;
  if (o.kind === 'next') return { kind: 'next', first: count(o.first, `${where}.first`), last: count(o.last, `${where}.last`) };
  if (o.kind === 'draw' && typeof o.pool === 'string' && !poolNameProblem(o.pool))
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

function current(o: Record<string, unknown>): State {
  if (o.format !== FORMAT) fail(`format is ${JSON.stringify(o.format)}, expected ${FORMAT}`);
  const random = new Map<string, PoolState>();
  if (!isObject(o.random)) fail('random is not an object');
  for (const [name, pool] of Object.entries(o.random as Record<string, unknown>)) random.set(name, parsePool(name, pool));
  return {
    generation: count(o.generation, 'generation'),
    sequences: sequences(o.sequences, 'sequences'),
    random,
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
    return { state: { generation: 0, sequences: sequences(data, 'legacy state'), random: new Map(), idempotency: new Map() }, legacy: true };
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
  const state: State = { generation: 0, sequences: new Map(), random: new Map(), idempotency: new Map() };
  const unread = new Set<string>();
  const notes: string[] = [];
  for (const text of texts) {
    const gen = /"generation"\s*:\s*(\d+)/.exec(text);
    if (gen && Number.isSafeInteger(Number(gen[1]))) state.generation = Math.max(state.generation, Number(gen[1]));
    const start = text.indexOf('"sequences"');
    // The top-level member is indented by two spaces; a sequence named "random" (four spaces) is not it.
    const randomAt = text.search(/\n  "random"\s*:/);
    const legacyLike = start < 0 && !text.includes('"format"');
    const region = legacyLike ? text : start < 0 ? '' : text.slice(start + '"sequences"'.length, randomAt > start ? randomAt : undefined);
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
    // Every pool entry of the "random" object (one line each), up to the idempotency section.
    const poolsEnd = text.search(/\n  "idempotency"\s*:/);
    const pools = randomAt < 0 ? '' : text.slice(randomAt, poolsEnd > randomAt ? poolsEnd : undefined);
    const entry = /"([A-Za-z0-9._-]{1,64})"\s*:\s*(\{[^{}]*\})/g;
    for (let m = entry.exec(pools); m; m = entry.exec(pools)) {
      const name = m[1]!;
      try {
        const pool = parsePool(name, JSON.parse(m[2]!));
        const have = state.random.get(name);
        if (!have || pool.drawn > have.drawn) state.random.set(name, pool);
      } catch {
        unread.add(name);
      }
    }
  }
  for (const kind of ['int', 'float'] as const)
    if (!state.random.has(kind)) notes.push(`random pool "${kind}" could not be read and starts afresh with a new key: values it drew before may be drawn again`);
  for (const name of unread)
    if (!state.random.has(name)) notes.push(`random pool "${name}" could not be read and is left out: defining it again would give it a new key, and values it drew before could be drawn again`);
  return { state, notes };
}
