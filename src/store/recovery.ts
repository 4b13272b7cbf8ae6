// Start-up recovery: read both copies, keep the valid one with the highest generation, move damaged
// copies aside (never delete), migrate the legacy format, and refuse when nothing intact is left.
import { copyFile, readFile, rename, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { StartupError } from '../errors.js';
import { emptyState, type State } from './state.js';
import { parseStateText, salvageTexts } from './state-file.js';
import { fileStamp, type StatePaths } from './paths.js';

type Copy =
  | { path: string; status: 'missing' }
  | { path: string; status: 'valid'; state: State; legacy: boolean }
  | { path: string; status: 'corrupt'; reason: string; text: string };

type Read = { copy: Copy; bytes?: Buffer };

/**
 * Reads and checks one copy. `twin` is the other copy already read: when this one holds the same bytes (the
 * usual case: both were written from one text), its result is reused instead of parsing the text again,
 * which at 100,000 sequences would hold a second full state (≈ 17 MB of start-up peak RSS) for nothing.
 */
async function readCopy(path: string, twin?: Read): Promise<Read> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { copy: { path, status: 'missing' } };
    if (code === 'EISDIR') return { copy: { path, status: 'corrupt', reason: 'it is a directory', text: '' } };
    throw new StartupError(`cannot read ${path}: ${(e as Error).message}`);
  }
  // Parsing is deterministic: the same bytes are valid (or damaged) for the same reason.
  if (twin?.bytes && twin.bytes.equals(bytes)) return { copy: { ...twin.copy, path } };
  // JSON text is UTF-8: damaged bytes inside an id must not quietly turn into U+FFFD and make another id.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { copy: { path, status: 'corrupt', reason: 'not valid UTF-8', text: bytes.toString('utf8') }, bytes };
  }
  try {
    const { state, legacy } = parseStateText(text);
    return { copy: { path, status: 'valid', state, legacy }, bytes };
  } catch (e) {
    return { copy: { path, status: 'corrupt', reason: (e as Error).message, text }, bytes };
  }
}

/** Renames `path` to `<path>.<label>-<timestamp>` without overwriting anything; returns the new name. */
async function keepAside(path: string, label: string): Promise<string> {
  const base = `${path}.${label}-${fileStamp()}`;
  for (let i = 0; ; i++) {
    const target = i === 0 ? base : `${base}-${i}`;
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    await rename(path, target);
    return target;
  }
}

export interface Recovered {
  state: State;
  /** What happened, for the start log line. */
  source: 'fresh' | 'primary' | 'replica' | 'salvage';
}

export async function recoverState(paths: StatePaths, salvage: boolean, log: Logger): Promise<Recovered> {
  const primary = await readCopy(paths.primary);
  const copies = [primary.copy, (await readCopy(paths.replica, primary)).copy];
  const valid = copies.filter((c): c is Extract<Copy, { status: 'valid' }> => c.status === 'valid');
  const corrupt = copies.filter((c): c is Extract<Copy, { status: 'corrupt' }> => c.status === 'corrupt');

  if (valid.length === 0 && corrupt.length > 0 && !salvage) {
    const kept = corrupt.map((c) => `${c.path} (${c.reason})`).join('; ');
    throw new StartupError(
      `no intact copy of the state: ${kept}. Nothing was changed and no number was handed out. ` +
        `Either restore a backup of ${paths.primary}, or start with --recover=salvage (RECOVER=salvage) ` +
        `to keep every sequence that can still be read and start the rest afresh.`,
    );
  }

  for (const c of corrupt) {
    const moved = await keepAside(c.path, 'corrupt');
    log.error({ event: 'corrupt_copy', path: c.path, movedTo: moved, reason: c.reason }, `damaged state copy moved aside to ${moved}`);
  }

  if (valid.length === 0 && corrupt.length > 0) {
    const { state, notes } = salvageTexts(corrupt.map((c) => c.text));
    state.generation += 1;
    log.warn(
      { event: 'salvage', sequences: state.sequences.size, notes },
      `salvaged ${state.sequences.size} sequences from damaged copies; sequences that could not be read start afresh at 1`,
    );
    for (const note of notes) log.warn({ event: 'salvage' }, note);
    return { state, source: 'salvage' };
  }

  if (valid.length === 0) return { state: emptyState(), source: 'fresh' };

  const best = valid.reduce((a, b) => (b.state.generation > a.state.generation ? b : a));
  if (best.legacy) {
    const kept = `${best.path}.legacy-${fileStamp()}`;
    await copyFile(best.path, kept);
    log.warn({ event: 'migrate', from: best.path, keptAs: kept, sequences: best.state.sequences.size }, `migrated the older flat format; the original is kept as ${kept}`);
  }
  for (const c of copies)
    if (c !== best && c.status !== 'corrupt')
      log.warn({ event: 'stale_copy', path: c.path, status: c.status }, `state copy ${c.path} is ${c.status === 'missing' ? 'missing' : 'older'}; rewriting it from ${best.path}`);
  return { state: best.state, source: best.path === paths.primary ? 'primary' : 'replica' };
}
