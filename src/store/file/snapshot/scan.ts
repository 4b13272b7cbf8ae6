// Byte scanners for the two layouts that can hold a very large number of sequences: format 2 as this
// engine writes it, and the flat legacy file. One JSON.parse of an object with a very large number of keys
// costs seconds and hundreds of MB; a scan of the bytes costs neither. Anything unexpected returns
// undefined, and the caller reads the text through JSON.parse instead, which says what is wrong.
import { idProblem } from '../../../ids.js';
import { HEAD } from './checksum.js';

const NL = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 0x3a;
const SPACE = 0x20;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** A decimal count as the engine writes it: digits, no leading zero, a safe integer; else -1. `end` is where it stopped. */
function digits(bytes: Buffer, at: number): { value: number; end: number } {
  let j = at;
  let value = 0;
  while (bytes[j]! >= 0x30 && bytes[j]! <= 0x39) value = value * 10 + (bytes[j++]! - 0x30);
  const ok = j > at && j - at <= 16 && !(bytes[at] === 0x30 && j - at > 1) && Number.isSafeInteger(value);
  return { value: ok ? value : -1, end: j };
}

/** The text between quotes starting after `at` (one past the opening quote), unescaped; `end` is at the closing quote. */
function quoted(bytes: Buffer, at: number, stopAtNewline: boolean): { id: string; end: number } | undefined {
  let i = at;
  let escaped = false;
  while (i < bytes.length && bytes[i] !== QUOTE && !(stopAtNewline && bytes[i] === NL)) {
    if (bytes[i] === BACKSLASH) {
      escaped = true;
      i += 2;
    } else i++;
  }
  if (bytes[i] !== QUOTE) return undefined;
  const raw = bytes.toString('utf8', at, i);
  return { id: escaped ? (JSON.parse(`"${raw}"`) as string) : raw, end: i };
}

/**
 * Format 2 as this engine writes it, its "sequences" section read line by line from the bytes. Only for
 * bytes whose checksum held. Returns the generation, the sequences and the rest of the object parsed.
 */
export function scanOwnLayout(bytes: Buffer): { generation: number; sequences: Map<string, number>; rest: Record<string, unknown> } | undefined {
  const head = HEAD.exec(bytes.toString('latin1', 0, 128));
  if (!head) return undefined;
  const sequences = new Map<string, number>();
  let pos = head[0].length;
  if (bytes[pos] === CLOSE && bytes[pos + 1] === COMMA && bytes[pos + 2] === NL) pos += 3;
  else {
    if (bytes[pos] !== NL) return undefined;
    pos++;
    for (;;) {
      // "  }," closes the section.
      if (bytes[pos] === SPACE && bytes[pos + 2] === CLOSE && bytes[pos + 3] === COMMA && bytes[pos + 4] === NL) {
        pos += 5;
        break;
      }
      // '    "' + id + '": ' + digits + (',' | '') + '\n'
      if (bytes[pos + 3] !== SPACE || bytes[pos + 4] !== QUOTE) return undefined;
      const key = quoted(bytes, pos + 5, true);
      if (!key || bytes[key.end + 1] !== COLON || bytes[key.end + 2] !== SPACE) return undefined;
      const n = digits(bytes, key.end + 3);
      let j = n.end;
      if (bytes[j] === COMMA) j++;
      if (n.value < 0 || bytes[j] !== NL || idProblem(key.id)) return undefined;
      sequences.set(key.id, n.value);
      pos = j + 1;
    }
  }
  const rest = JSON.parse(`{${bytes.toString('utf8', pos)}`) as Record<string, unknown>;
  return { generation: Number(head[1]), sequences, rest };
}

const isSpace = (b: number | undefined): boolean => b === SPACE || b === NL || b === 0x0d || b === 0x09;

/** The flat legacy file {"id": n, …} read from its bytes, duplicate ids keeping their highest value. */
export function scanFlat(bytes: Buffer): Map<string, number> | undefined {
  const n = bytes.length;
  let i = 0;
  const skip = (): void => {
    while (isSpace(bytes[i])) i++;
  };
  skip();
  if (bytes[i++] !== OPEN) return undefined;
  const out = new Map<string, number>();
  skip();
  if (bytes[i] === CLOSE) return (i++, skip(), i === n ? out : undefined);
  for (;;) {
    skip();
    if (bytes[i] !== QUOTE) return undefined;
    const key = quoted(bytes, i + 1, false);
    if (!key) return undefined;
    i = key.end + 1;
    skip();
    if (bytes[i++] !== COLON) return undefined;
    skip();
    const v = digits(bytes, i);
    i = v.end;
    if (v.value < 0 || idProblem(key.id)) return undefined;
    out.set(key.id, Math.max(out.get(key.id) ?? 0, v.value));
    skip();
    const sep = bytes[i++];
    if (sep === CLOSE) break;
    if (sep !== COMMA) return undefined;
  }
  skip();
  return i === n ? out : undefined;
}
