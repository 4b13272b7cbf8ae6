// The fixed texts of snapshot format 2 that writer, reader and scanners share, and its checksum: a CRC-32
// of every byte up to and including the newline before the "checksum" line.
import { crc32 } from 'node:zlib';
import { hex32 } from '../journal/record.js';

export const FORMAT = 2;
/** The checksum line up to its eight hex digits. */
export const CHECKSUM = '  "checksum": "crc32:';
/** The first three lines as this engine writes them; the generation is the group. */
export const HEAD = /^\{\n {2}"format": 2,\n {2}"generation": (\d+),\n {2}"sequences": \{/;

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

/** The generation of a format-2 snapshot whose checksum holds, without parsing the rest; else undefined. */
export function intactGeneration(bytes: Buffer): number | undefined {
  const head = HEAD.exec(bytes.toString('latin1', 0, 128));
  return head && checksumProblem(bytes) === undefined ? Number(head[1]) : undefined;
}
