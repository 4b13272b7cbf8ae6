// What a sequence id may be: 1-255 characters, any Unicode except control characters and "/".
import { ServiceError } from './errors.js';

export const MAX_ID_LENGTH = 255;

const FORBIDDEN = /[\p{Cc}/]/u;

/** Why `id` is not a valid sequence id, or undefined if it is one. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'the sequence id is empty';
  // Code points never outnumber code units, so only a long id needs counting (and the array that costs).
  const length = id.length <= MAX_ID_LENGTH ? 0 : [...id].length;
  if (length > MAX_ID_LENGTH) return `the sequence id is ${length} characters long; at most ${MAX_ID_LENGTH} are allowed`;
  if (FORBIDDEN.test(id)) return 'the sequence id contains a control character or "/"';
  if (!id.isWellFormed()) return 'the sequence id is not well-formed Unicode';
  return undefined;
}

// Unicode format characters (Cf): invisible (zero-width space, joiners, soft hyphen, BOM) or reordering
// (bidi controls) text, so two ids that print the same could differ in them.
const FORMAT_CHARACTER = /\p{Cf}/u;
const ASCII = /^[\x00-\x7f]*$/;

/** Why `id` may not name a new sequence (beyond idProblem): format characters. */
function newIdProblem(id: string): string | undefined {
  if (FORMAT_CHARACTER.test(id)) {
    const c = id.match(FORMAT_CHARACTER)![0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `the sequence id contains the invisible formatting character U+${c}; ids that print the same must be the same id`;
  }
  return undefined;
}

/** What resolving an id needs to know of the store. */
export interface IdLookup {
  /** Whether exactly this id is stored. */
  has(id: string): Promise<boolean>;
  /** Stored ids other than `nfc` whose NFC form is `nfc` (written before ids were normalised). */
  twins(nfc: string): Promise<string[]>;
}

/**
 * The stored id a request's id names. New ids are stored in NFC, and may not contain format characters.
 * An id stored before that rule stays reachable by its exact form, and by any form of it while it is the
 * only stored id of its NFC form; it is never merged with another stored id.
 */
export async function resolveId(raw: string, store: IdLookup): Promise<string> {
  // ASCII text is always NFC and has no format characters: no lookup on the common path.
  if (ASCII.test(raw)) return raw;
  if (await store.has(raw)) return raw;
  const problem = newIdProblem(raw);
  if (problem) throw new ServiceError('invalid_sequence_id', problem);
  const nfc = raw.normalize('NFC');
  if (nfc !== raw && (await store.has(nfc))) return nfc;
  const twins = await store.twins(nfc);
  if (twins.length === 1) return twins[0]!;
  if (twins.length > 1)
    throw new ServiceError(
      'ambiguous_sequence_id',
      `${twins.length} stored sequences were written with different Unicode forms of this id (${twins.map((t) => JSON.stringify(t)).join(', ')}); send the exact form of the one you mean`,
      { sequence_ids: twins },
    );
  if (nfc.length > MAX_ID_LENGTH && [...nfc].length > MAX_ID_LENGTH) throw new ServiceError('invalid_sequence_id', `the sequence id is longer than ${MAX_ID_LENGTH} characters in NFC`);
  return nfc;
}

// Below U+D800, UTF-16 code unit order is code point order, and the engine's own comparison is fast.
const HIGH = /[\ud800-\uffff]/;

/** Code point order (UTF-8 byte order, PostgreSQL's "C" collation): the order of GET /sequences. */
export function compareIds(a: string, b: string): number {
  if (!HIGH.test(a) && !HIGH.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after U+E000-U+FFFF in code point order, before them in UTF-16.
      const fx = x >= 0xd800 ? (x <= 0xdfff ? x + 0x2000 : x - 0x800) : x;
      const fy = y >= 0xd800 ? (y <= 0xdfff ? y + 0x2000 : y - 0x800) : y;
      return fx - fy;
    }
  }
  return a.length - b.length;
}

/** The least string above every string starting with `prefix`, or undefined when there is none. */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()!;
    if (last === 0x10ffff) continue;
    last = last === 0xd7ff ? 0xe000 : last + 1;
    return String.fromCodePoint(...points, last);
  }
  return undefined;
}

/** Whether an id is in NFC (ASCII always is; the check is skipped for it). */
export const isNfc = (id: string): boolean => ASCII.test(id) || id.normalize('NFC') === id;
