// Reads one journal copy: its intact records by generation, and where it is damaged or torn.
import { readFile } from 'node:fs/promises';
import { decodeRecord, type JournalRecord } from './record.js';

export interface JournalCopy {
  path: string;
  /**
   * missing: no file. whole: every line an intact record. torn: only the end is cut short or fails its check
   * with nothing intact after it (a crash mid-append; never acknowledged, dropped). damaged: a whole line
   * (newline included) fails its check: damage, not a cut, so the copy is kept aside.
   */
  status: 'missing' | 'whole' | 'torn' | 'damaged';
  /** Intact records by generation, with their exact lines (newline included). */
  records: Map<number, { record: JournalRecord; line: string }>;
  /** Bad lines with an intact record after them, by line number (1-based), with why. */
  damaged: { line: number; reason: string }[];
  /** The first bad line after the last intact record, with why. */
  torn: string | undefined;
  bytes: number;
}

/** Reads one copy; `twin`, the other copy already read, is reused when the bytes are the same (the usual case). */
export async function readJournal(path: string, twin?: JournalCopy & { raw?: Buffer }): Promise<JournalCopy & { raw?: Buffer }> {
  const copy: JournalCopy = { path, status: 'whole', records: new Map(), damaged: [], torn: undefined, bytes: 0 };
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...copy, status: 'missing' };
    throw e;
  }
  if (twin?.raw && twin.raw.equals(bytes)) return { ...twin, path };
  copy.bytes = bytes.length;
  const text = bytes.toString('utf8');
  const lines = text.split('\n');
  // The text after the last newline: empty when the file ends with a whole line.
  const last = lines.pop()!;
  const bad: { line: number; reason: string }[] = [];
  let lastIntact = 0;
  lines.forEach((line, i) => {
    try {
      const record = decodeRecord(line);
      copy.records.set(record.g, { record, line: `${line}\n` });
      lastIntact = i + 1;
    } catch (e) {
      bad.push({ line: i + 1, reason: (e as Error).message });
    }
  });
  const damagedLine = bad.length > 0;
  if (last !== '') bad.push({ line: lines.length + 1, reason: 'cut short (no newline at the end)' });
  // Damage after the last intact record is a tail a crash may have left; damage before it is not.
  for (const b of bad) if (b.line > lastIntact) copy.torn = copy.torn ?? `line ${b.line}: ${b.reason}`;
  copy.damaged = bad.filter((b) => b.line <= lastIntact);
  copy.status = damagedLine ? 'damaged' : copy.torn !== undefined ? 'torn' : 'whole';
  return { ...copy, raw: bytes };
}
