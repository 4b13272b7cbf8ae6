// One line of the ledger file: a record (an event of its sequence's chain) as JSON with a CRC-32, like a
// journal record: {"sequence_id":…, …, "hash":"…","crc":"<8 hex digits>"}.
import { crc32 } from 'node:zlib';
import { hashOf, ordered, type LedgerRecord } from '../../../ledger/record.js';
import { hex32 } from '../journal/record.js';
import { ShapeError } from '../validate.js';
import { ledgerRecord } from './shape.js';

const CRC = ',"crc":"';

export function encodeLedgerLine(r: LedgerRecord): string {
  const head = JSON.stringify(ordered(r)).slice(0, -1);
  return `${head}${CRC}${hex32(crc32(head))}"}\n`;
}

/** One line without its newline; throws an Error saying why it is not an intact record. */
export function decodeLedgerLine(line: string): LedgerRecord {
  const at = line.lastIndexOf(CRC);
  if (at < 0 || !line.endsWith('"}') || line.length !== at + CRC.length + 8 + 2) throw new Error('no checksum at the end of the line');
  const head = line.slice(0, at);
  if (hex32(crc32(head)) !== line.slice(at + CRC.length, at + CRC.length + 8)) throw new Error('checksum mismatch');
  let data: unknown;
  try {
    data = JSON.parse(`${head}}`);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  try {
    return ledgerRecord(data, 'record');
  } catch (e) {
    if (e instanceof ShapeError) throw new Error(`wrong shape: ${e.message}`);
    throw e;
  }
}

/** Whether the record's hash follows `prev` (the hash of the event before it in its chain). */
export function followsChain(prev: string, r: LedgerRecord): boolean {
  const { hash, ...body } = r;
  return hashOf(prev, body) === hash;
}
