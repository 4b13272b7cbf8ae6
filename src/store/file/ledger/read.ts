// Reads the ledger file: its intact records in file order with their line numbers, the whole lines that
// fail their check (damage), and a last line cut short (a flush a crash interrupted).
import { readFile } from 'node:fs/promises';
import type { LedgerRecord } from '../../../ledger/record.js';
import { decodeLedgerLine } from './line.js';

export interface LedgerFileRead {
  path: string;
  status: 'missing' | 'whole' | 'torn' | 'damaged';
  records: { line: number; record: LedgerRecord }[];
  /** Whole lines (newline included) that fail their check, 1-based, with why. */
  damaged: { line: number; reason: string }[];
  /** Bytes up to the end of the last whole line: where appends go on after a torn tail is kept aside. */
  intactBytes: number;
  bytes: number;
}

export async function readLedgerFile(path: string): Promise<LedgerFileRead> {
  const out: LedgerFileRead = { path, status: 'whole', records: [], damaged: [], intactBytes: 0, bytes: 0 };
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...out, status: 'missing' };
    throw e;
  }
  out.bytes = bytes.length;
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(10, start);
    line++;
    if (end < 0) {
      out.status = out.damaged.length > 0 ? 'damaged' : 'torn';
      break;
    }
    const text = bytes.toString('utf8', start, end);
    try {
      out.records.push({ line, record: decodeLedgerLine(text) });
    } catch (e) {
      out.damaged.push({ line, reason: (e as Error).message });
    }
    start = end + 1;
    out.intactBytes = start;
  }
  if (out.damaged.length > 0) out.status = 'damaged';
  return out;
}
