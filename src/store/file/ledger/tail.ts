// What the start does to a ledger file before appending to it again: a last line cut short (a flush a crash
// interrupted; its events are still in the journal) is copied aside and cut off; after a salvage the
// damaged file is kept aside whole and a new one is started.
import { copyFile, open, rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { fileStamp } from '../paths.js';
import { keepAside } from '../recovery/aside.js';
import type { LedgerRecord } from '../../../ledger/record.js';
import type { State } from '../state.js';
import { encodeLedgerLine } from './line.js';
import { coverLedger } from './load.js';
import type { LedgerFileRead } from './read.js';

export async function keepTornLedgerTail(file: LedgerFileRead, log: Logger): Promise<number> {
  if (file.status !== 'torn') return file.intactBytes;
  const kept = `${file.path}.torn-${fileStamp()}`;
  await copyFile(file.path, kept);
  const handle = await open(file.path, 'r+');
  try {
    await handle.truncate(file.intactBytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  log.warn({ event: 'torn_record', path: file.path, keptAs: kept }, `cut a line torn at the end of ${file.path} (its events are in the journal); the file as it was is kept as ${kept}`);
  return file.intactBytes;
}

/**
 * Salvage keeps every intact record that follows its chain (placed in the salvaged state, and every number
 * they hold stays handed out); the file is kept aside whole and the records kept are written to a new one.
 */
export async function ledgerAfterSalvage(state: State, file: LedgerFileRead, log: Logger): Promise<number> {
  const kept: LedgerRecord[] = [];
  for (const { record } of file.records) if (state.ledger.apply(record) === 'applied') kept.push(record);
  coverLedger(state);
  if (file.status === 'missing' || (file.status === 'whole' && kept.length === file.records.length)) return file.intactBytes;
  const moved = await keepAside(file.path, 'corrupt');
  log.error(
    { event: 'corrupt_copy', path: file.path, movedTo: moved, lines: file.damaged.map((d) => d.line), dropped: file.records.length - kept.length },
    `damaged ledger file ${file.path} moved aside to ${moved}; kept ${kept.length} records, lines ${file.damaged.map((d) => d.line).join(', ') || 'none'} unreadable, ${file.records.length - kept.length} intact records off their chain`,
  );
  const text = kept.map(encodeLedgerLine).join('');
  const temp = `${file.path}.tmp-salvage`;
  await writeFile(temp, text, { flag: 'wx' });
  await rename(temp, file.path);
  return Buffer.byteLength(text);
}
