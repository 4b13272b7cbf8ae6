// The snapshot file (format 2): one JSON object, one entry per line, the generation it covers, and a
// CRC-32 of every byte before its "checksum" line. Format 1 (no checksum, pools under "random") and the
// older flat file {"foo": 3} are still read.
import { crc32 } from 'node:zlib';
import { idProblem } from '../../../ids.js';
import type { PoolState } from '../../store.js';
import { hex32 } from '../journal/record.js';
import { count, fail, idempotencyEntry, idempotencyJson, isCount, isObject, namedPool, poolJson, sequenceEntry, sequenceEntryJson, sequences, ShapeError } from '../shape.js';
import type { State } from '../state.js';

export const FORMAT = 2;
const CHECKSUM = '  "checksum": "crc32:';
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
export async function serializeSnapshot(state: State, generation: number, yielding: boolean): Promise<Buffer[]> {
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
  // [series] Written only when some sequence has settings; each entry carries its own value, so a value the
  // sliced "sequences" section caught in an earlier period cannot pair with a later period's settings.
  const series: string[] = [];
  for (const [id, s] of state.series) series.push(entry(id, JSON.stringify(sequenceEntryJson({ last: state.sequences.get(id)!, series: s }))));
  push(section('pools', pools) + (series.length > 0 ? section('series', series) : '') + section('idempotency', idem));
  chunks.push(Buffer.from(`${CHECKSUM}${hex32(crc)}"\n}\n`));
  return chunks;
}

export interface ParsedSnapshot {
  state: State;
  /** 2, 1, or 0 for the flat legacy file. */
  format: number;
}

function format2(o: Record<string, unknown>): State {
  const pools = new Map<string, PoolState>();
  if (!isObject(o.pools)) fail('pools is not an object');
  for (const [name, p] of Object.entries(o.pools as Record<string, unknown>)) pools.set(name, namedPool(p, `pools.${name}`, name));
  const state: State = { generation: count(o.generation, 'generation'), sequences: sequences(o.sequences, 'sequences'), series: new Map(), pools, idempotency: idempotencyMap(o.idempotency) };
  readSeries(state, o.series);
  return state;
}

/** [series] The "series" section: each entry's value is the sequence's value. */
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

function format1(o: Record<string, unknown>): State {
  const pools = new Map<string, PoolState>();
  if (!isObject(o.random)) fail('random is not an object');
  // Any pool name: format 1 as the first cut of named pools wrote it too.
  for (const [name, p] of Object.entries(o.random as Record<string, unknown>)) pools.set(name, namedPool(p, `random.${name}`, name));
  return { generation: count(o.generation, 'generation'), sequences: sequences(o.sequences, 'sequences'), series: new Map(), pools, idempotency: idempotencyMap(o.idempotency) };
}

function idempotencyMap(v: unknown): State['idempotency'] {
  const map: State['idempotency'] = new Map();
  if (v === undefined) return map;
  if (!isObject(v)) fail('idempotency is not an object');
  for (const [key, e] of Object.entries(v as Record<string, unknown>)) map.set(key, idempotencyEntry(e, `idempotency[${JSON.stringify(key.slice(0, 40))}]`));
  return map;
}

/** A file of ours has "format", "generation" and "sequences"; anything else that is all numbers is the flat file (even with an id named "format"). */
const isOurs = (o: Record<string, unknown>): boolean => 'format' in o && 'generation' in o && isObject(o.sequences);

/** Checks the checksum of a format-2 text; returns an error message or undefined. */
export function checksumProblem(bytes: Buffer): string | undefined {
  const marker = Buffer.from(`\n${CHECKSUM}`);
  const at = bytes.lastIndexOf(marker);
  if (at < 0) return 'no checksum line';
  const end = bytes.subarray(at + marker.length);
  const m = /^([0-9a-f]{8})"\n}\n?$/.exec(end.toString('latin1'));
  if (!m) return 'the checksum line is damaged or the file is cut short';
  if (hex32(crc32(bytes.subarray(0, at + 1))) !== m[1]) return 'checksum mismatch (the file was changed or damaged after it was written)';
  return undefined;
}

const HEAD = /^\{\n {2}"format": 2,\n {2}"generation": (\d+),\n {2}"sequences": \{/;
const NL = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

/**
 * Format 2 as this engine writes it, read line by line from the bytes: one JSON.parse of an object with
 * 1,000,000 keys takes seconds and hundreds of MB, a scan of the bytes takes neither. Only for bytes whose
 * checksum held; anything unexpected returns undefined and the text goes through JSON.parse instead.
 */
function readOwnLayout(bytes: Buffer): State | undefined {
  const head = HEAD.exec(bytes.toString('latin1', 0, 128));
  if (!head) return undefined;
  const sequences = new Map<string, number>();
  let pos = head[0].length;
  const n = bytes.length;
  if (bytes[pos] === 0x7d && bytes[pos + 1] === COMMA && bytes[pos + 2] === NL) pos += 3;
  else {
    if (bytes[pos] !== NL) return undefined;
    pos++;
    for (;;) {
      // "  }," closes the section.
      if (bytes[pos] === 0x20 && bytes[pos + 2] === 0x7d && bytes[pos + 3] === COMMA && bytes[pos + 4] === NL) {
        pos += 5;
        break;
      }
      // '    "' + id + '": ' + digits + (',' | '') + '\n'
      if (bytes[pos + 3] !== 0x20 || bytes[pos + 4] !== QUOTE) return undefined;
      let i = pos + 5;
      let escaped = false;
      while (i < n && bytes[i] !== QUOTE && bytes[i] !== NL) {
        if (bytes[i] === BACKSLASH) {
          escaped = true;
          i += 2;
        } else i++;
      }
      if (bytes[i] !== QUOTE || bytes[i + 1] !== 0x3a || bytes[i + 2] !== 0x20) return undefined;
      const raw = bytes.toString('utf8', pos + 5, i);
      const id = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
      let j = i + 3;
      let value = 0;
      const first = j;
      while (bytes[j]! >= 0x30 && bytes[j]! <= 0x39) value = value * 10 + (bytes[j++]! - 0x30);
      if (j === first || j - first > 16 || (bytes[first] === 0x30 && j - first > 1)) return undefined;
      if (bytes[j] === COMMA) j++;
      if (bytes[j] !== NL || !Number.isSafeInteger(value) || idProblem(id)) return undefined;
      sequences.set(id, value);
      pos = j + 1;
    }
  }
  const rest = JSON.parse(`{${bytes.toString('utf8', pos)}`) as Record<string, unknown>;
  const state = format2({ ...rest, generation: Number(head[1]), sequences: {}, series: undefined });
  state.sequences = sequences;
  readSeries(state, rest.series);
  return state;
}

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === NL || b === 0x0d || b === 0x09;

/**
 * The flat legacy file {"id": n, …} read from its bytes (a 1,000,000-id file through JSON.parse costs seconds
 * and 300 MB), duplicate ids keeping their highest value. Anything else (a nested value, a sign, a fraction,
 * bad syntax) returns undefined, and the text goes through JSON.parse, which says what is wrong.
 */
function readFlat(bytes: Buffer): Map<string, number> | undefined {
  const n = bytes.length;
  let i = 0;
  const skip = (): void => {
    while (isSpace(bytes[i])) i++;
  };
  skip();
  if (bytes[i++] !== 0x7b) return undefined;
  const out = new Map<string, number>();
  skip();
  if (bytes[i] === 0x7d) return (i++, skip(), i === n ? out : undefined);
  for (;;) {
    skip();
    if (bytes[i] !== QUOTE) return undefined;
    const start = ++i;
    let escaped = false;
    while (i < n && bytes[i] !== QUOTE) {
      if (bytes[i] === BACKSLASH) {
        escaped = true;
        i++;
      }
      i++;
    }
    if (i >= n) return undefined;
    const raw = bytes.toString('utf8', start, i++);
    const id = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
    skip();
    if (bytes[i++] !== 0x3a) return undefined;
    skip();
    const first = i;
    let value = 0;
    while (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) value = value * 10 + (bytes[i++]! - 0x30);
    if (i === first || i - first > 16 || (bytes[first] === 0x30 && i - first > 1) || !Number.isSafeInteger(value) || idProblem(id)) return undefined;
    out.set(id, Math.max(out.get(id) ?? 0, value));
    skip();
    const sep = bytes[i++];
    if (sep === 0x7d) break;
    if (sep !== COMMA) return undefined;
  }
  skip();
  return i === n ? out : undefined;
}

/** The generation of a format-2 snapshot whose checksum holds, without parsing the rest; else undefined. */
export function intactGeneration(bytes: Buffer): number | undefined {
  const head = HEAD.exec(bytes.toString('latin1', 0, 128));
  return head && checksumProblem(bytes) === undefined ? Number(head[1]) : undefined;
}

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
      const flat = readFlat(bytes);
      if (flat) return { state: { generation: 0, sequences: flat, series: new Map(), pools: new Map(), idempotency: new Map() }, format: 0 };
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
    // The older take-a-number format: a flat object of non-negative integers.
    const flat = sequences(data, 'legacy state');
    return { state: withHighestDuplicates({ generation: 0, sequences: flat, series: new Map(), pools: new Map(), idempotency: new Map() }, text), format: 0 };
  } catch (e) {
    if (e instanceof ShapeError) throw new Error(`wrong shape: ${e.message}`);
    throw e;
  }
}

/** JSON.parse keeps the last of duplicate ids; files without a checksum (hand-edited ones) keep the highest. */
function withHighestDuplicates(state: State, text: string): State {
  for (const [id, value] of salvageSequencePairs(sequencesRegion(text))) if (value > (state.sequences.get(id) ?? -1) && state.sequences.has(id)) state.sequences.set(id, value);
  return state;
}

/** The text of the "sequences" object of one of our files, or the whole text of a flat file. */
export function sequencesRegion(text: string): string {
  const start = /\n  "sequences"\s*:\s*\{/.exec(text);
  if (!start) return /^\s*\{\s*"format"\s*:\s*[12]\s*,\s*\n?\s*"generation"/.test(text) ? '' : text;
  const rest = text.slice(start.index + start[0].length);
  // The next top-level member (two spaces) ends it; a sequence named "pools" is indented by four.
  const end = rest.search(/\n  "(pools|random|series|idempotency|checksum)"\s*:/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every readable `"id": value` pair in `region`, the highest value per id. */
export function salvageSequencePairs(region: string): Map<string, number> {
  const found = new Map<string, number>();
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
    found.set(id, Math.max(found.get(id) ?? 0, value));
  }
  return found;
}
