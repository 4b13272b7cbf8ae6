// Start-up recovery: the best valid snapshot copy (checksum, then generation), then every later journal
// record from whichever journal copy holds it intact. Damaged files are moved aside and logged; a gap in
// what was acknowledged refuses the start, naming the files and the ways out.
import { copyFile, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { StartupError } from '../../../errors.js';
import { apply } from '../apply.js';
import { readJournal, type JournalCopy } from '../journal/read.js';
import { fileStamp, type StatePaths } from '../paths.js';
import { intactGeneration } from '../snapshot/checksum.js';
import { parseSnapshot, type ParsedSnapshot } from '../snapshot/read.js';
import { emptyState, type State } from '../state.js';
import { keepAside } from './aside.js';
import { salvage } from './salvage.js';
import type { LedgerRecord } from '../../../ledger/record.js';
import { coverLedger, ledgerEventsProblem, loadLedgerFile } from '../ledger/load.js';
import { readLedgerFile, type LedgerFileRead } from '../ledger/read.js';
import { keepTornLedgerTail, ledgerAfterSalvage } from '../ledger/tail.js';

type SnapshotCopy =
  | { path: string; status: 'missing' }
  | { path: string; status: 'valid'; parsed: ParsedSnapshot; bytes: Buffer }
  | { path: string; status: 'corrupt'; reason: string; bytes: Buffer }
  /** Intact but older than its twin: not parsed (in a large state a second one would double the start's memory). */
  | { path: string; status: 'older'; bytes: Buffer };

async function readSnapshot(path: string, twin?: SnapshotCopy): Promise<SnapshotCopy> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, status: 'missing' };
    throw new StartupError(`cannot read ${path}: ${(e as Error).message}`);
  }
  // The same bytes parse the same way: in a large state a second parse would hold a second state for nothing.
  if (twin && twin.status !== 'missing' && twin.bytes.equals(bytes)) return { ...twin, path, bytes };
  if (twin?.status === 'valid' && twin.parsed.format === 2) {
    const generation = intactGeneration(bytes);
    if (generation !== undefined && generation <= twin.parsed.state.generation) return { path, status: 'older', bytes };
  }
  try {
    return { path, status: 'valid', parsed: parseSnapshot(bytes), bytes };
  } catch (e) {
    return { path, status: 'corrupt', reason: (e as Error).message, bytes };
  }
}

export interface Inspection {
  snapshots: [SnapshotCopy, SnapshotCopy];
  journals: [JournalCopy, JournalCopy];
  ledger: LedgerFileRead;
}

export async function inspect(paths: StatePaths): Promise<Inspection> {
  const primary = await readSnapshot(paths.primary);
  const replica = await readSnapshot(paths.replica, primary);
  const journal = await readJournal(paths.journal).catch((e: Error) => {
    throw new StartupError(`cannot read ${paths.journal}: ${e.message}`);
  });
  const journalReplica = await readJournal(paths.journalReplica, journal).catch((e: Error) => {
    throw new StartupError(`cannot read ${paths.journalReplica}: ${e.message}`);
  });
  const ledger = await readLedgerFile(paths.ledger).catch((e: Error) => {
    throw new StartupError(`cannot read ${paths.ledger}: ${e.message}`);
  });
  return { snapshots: [primary, replica], journals: [journal, journalReplica], ledger };
}

export type Plan =
  | { ok: true; state: State; from: SnapshotCopy | undefined; replayed: number; lastGeneration: number; lines: string[] }
  | { ok: false; why: string };

const isValid = (c: SnapshotCopy): c is Extract<SnapshotCopy, { status: 'valid' }> => c.status === 'valid';

/** What the files say, without changing any of them. */
export function plan(ins: Inspection): Plan {
  const valid = ins.snapshots.filter(isValid);
  const records = ins.journals.some((j) => j.records.size > 0 || j.status === 'torn' || j.status === 'damaged');
  if (valid.length === 0) {
    if (ins.snapshots.every((s) => s.status === 'missing') && !records && ins.journals.every((j) => j.status === 'missing' || j.bytes === 0) && ins.ledger.bytes === 0)
      return { ok: true, state: emptyState(), from: undefined, replayed: 0, lastGeneration: 0, lines: [] };
    const what = ins.snapshots.map((s) => `${s.path} ${s.status === 'corrupt' ? `is damaged (${s.reason})` : 'is missing'}`).join('; ');
    return { ok: false, why: `no intact snapshot: ${what}, so the journal alone cannot prove what was handed out` };
  }
  // Checksum first (format 2 proves its bytes), then the newest generation.
  const best = valid.reduce((a, b) => {
    const ka = a.parsed.format === 2 ? 1 : 0;
    const kb = b.parsed.format === 2 ? 1 : 0;
    return kb > ka || (kb === ka && b.parsed.state.generation > a.parsed.state.generation) ? b : a;
  });
  const state = best.parsed.state;
  const base = state.generation;
  const ledgerProblem = loadLedgerFile(state, ins.ledger);
  if (ledgerProblem) return { ok: false, why: ledgerProblem };
  let last = base;
  for (const j of ins.journals) for (const g of j.records.keys()) if (g > last) last = g;
  let replayed = 0;
  const lines: string[] = [];
  for (let g = base + 1; g <= last; g++) {
    const found = ins.journals.map((j) => j.records.get(g)).find((r) => r !== undefined);
    if (!found)
      return {
        ok: false,
        why: `journal record ${g} is missing or damaged in both ${ins.journals[0].path} and ${ins.journals[1].path}, and records up to ${last} come after it`,
      };
    const eventsProblem = found.record.ledger && ledgerEventsProblem(state, found.record.ledger, g);
    if (eventsProblem) return { ok: false, why: eventsProblem };
    if (!apply(state, found.record)) return { ok: false, why: `journal record ${g} moves a random pool that the snapshot ${best.path} does not hold` };
    lines.push(found.line);
    replayed++;
  }
  state.generation = last;
  coverLedger(state);
  return { ok: true, state, from: best, replayed, lastGeneration: last, lines };
}

const base = (p: Extract<Plan, { ok: true }>): number => (p.from?.status === 'valid' ? p.from.parsed.state.generation - p.replayed : 0);

export interface Recovered {
  state: State;
  source: 'fresh' | 'primary' | 'replica' | 'salvage';
  /** Both snapshot copies intact, equal and in format 2: no start-up checkpoint is needed. */
  clean: boolean;
  /**
   * With a clean snapshot: the intact records after it, when the journal copies need writing again (torn,
   * damaged, missing or unequal); undefined when both copies are whole and equal and appends simply go on.
   */
  rewriteJournal: string | undefined;
  /** Bytes of journal appends go on after. */
  journalBytes: number;
  /** Size of the snapshot read, bytes (0 when none). */
  snapshotBytes: number;
  /** Bytes of whole lines in the ledger file, where its appends go on. */
  ledgerBytes: number;
}

function refusal(paths: StatePaths, why: string): StartupError {
  return new StartupError(
    `cannot prove what was handed out: ${why}. Nothing was changed and no number was handed out; the files are kept as they are ` +
      `(${paths.primary}, ${paths.replica}, ${paths.journal}, ${paths.journalReplica}, ${paths.ledger}). Either restore a backup of them, or start with ` +
      `--recover=salvage (RECOVER=salvage) to keep the highest value that can still be read for every sequence and pool position.`,
  );
}

/** Reads the state as recovery would, changing nothing (migrate, tests); refuses as the start would. */
export async function readState(paths: StatePaths): Promise<State> {
  return (await readStateWithLedger(paths)).state;
}

/** readState, with every ledger event in chain order (the ledger file's, then the journal's). */
export async function readStateWithLedger(paths: StatePaths): Promise<{ state: State; events: LedgerRecord[] }> {
  const ins = await inspect(paths);
  const p = plan(ins);
  if (!p.ok) throw refusal(paths, p.why);
  return { state: p.state, events: [...ins.ledger.records.map((r) => r.record), ...p.state.ledger.unflushed] };
}

export async function recoverState(paths: StatePaths, salvageWanted: boolean, log: Logger): Promise<Recovered> {
  const ins = await inspect(paths);
  const p = plan(ins);
  if (!p.ok && !salvageWanted) throw refusal(paths, p.why);

  // Read before anything is moved aside.
  const journalTexts = p.ok ? [] : await Promise.all(ins.journals.filter((j) => j.status !== 'missing').map((j) => readFile(j.path, 'utf8').catch(() => '')));

  // From here on the start goes ahead: damaged files are moved aside (kept), and both places are written again.
  for (const s of ins.snapshots)
    if (s.status === 'corrupt') {
      const moved = await keepAside(s.path, 'corrupt');
      log.error({ event: 'corrupt_copy', path: s.path, movedTo: moved, reason: s.reason }, `damaged state copy ${s.path} (${s.reason}) moved aside to ${moved}`);
    }
  for (const j of ins.journals) {
    if (j.status === 'damaged') {
      const moved = await keepAside(j.path, 'corrupt');
      const first = j.damaged[0] ?? { line: 0, reason: j.torn ?? '' };
      log.error({ event: 'corrupt_copy', path: j.path, movedTo: moved, reason: `line ${first.line}: ${first.reason}` }, `damaged journal copy ${j.path} moved aside to ${moved}`);
    } else if (j.status === 'torn')
      log.warn({ event: 'torn_record', path: j.path, reason: j.torn }, `dropped a record torn at the end of ${j.path} (${j.torn}); it was never acknowledged`);
  }

  if (!p.ok) {
    const texts = ins.snapshots.filter((s) => s.status !== 'missing').map((s) => (s as { bytes: Buffer }).bytes.toString('utf8'));
    const { state, notes } = salvage(texts, journalTexts);
    log.warn(
      { event: 'salvage', why: p.why, sequences: state.sequences.size, notes },
      `salvaged ${state.sequences.size} sequences (${p.why}); every value kept is the highest that could be read`,
    );
    for (const note of notes) log.warn({ event: 'salvage' }, note);
    return { state, source: 'salvage', clean: false, snapshotBytes: 0, rewriteJournal: undefined, journalBytes: 0, ledgerBytes: await ledgerAfterSalvage(state, ins.ledger, log) };
  }

  const ledgerBytes = await keepTornLedgerTail(ins.ledger, log);
  const best = p.from;
  if (!best || best.status !== 'valid') return { state: p.state, source: 'fresh', clean: false, snapshotBytes: 0, rewriteJournal: undefined, journalBytes: 0, ledgerBytes };
  if (best.parsed.format < 2) {
    const kept = `${best.path}.${best.parsed.format === 0 ? 'legacy' : 'format1'}-${fileStamp()}`;
    await copyFile(best.path, kept);
    log.warn({ event: 'migrate', from: best.path, keptAs: kept, sequences: p.state.sequences.size }, `read a format-${best.parsed.format} state file; the original is kept as ${kept}`);
  }
  for (const s of ins.snapshots)
    if (s !== best && s.status !== 'corrupt' && !(s.status === 'valid' && s.bytes.equals(best.bytes)))
      log.warn({ event: 'stale_copy', path: s.path, status: s.status === 'missing' ? 'missing' : 'older' }, `state copy ${s.path} is ${s.status === 'missing' ? 'missing' : 'older'}; rewriting it from ${best.path}`);
  if (p.replayed > 0) log.info({ event: 'journal_replayed', records: p.replayed, generation: p.lastGeneration }, `replayed ${p.replayed} journal records`);
  const [a, b] = ins.snapshots;
  const clean = a.status === 'valid' && b.status === 'valid' && a.parsed.format === 2 && a.bytes.equals(b.bytes);
  const lines = p.lines.join('');
  const [j1, j2] = ins.journals;
  // Whole, equal copies holding exactly the records replayed (after a crash, or older ones before them): go on appending.
  const same = j1.status === 'whole' && j2.status === 'whole' && j1.bytes === j2.bytes && [...j1.records.keys()].every((g) => j2.records.has(g)) && j1.records.size === j2.records.size;
  const upToDate = same && (p.lastGeneration === base(p) || j1.records.has(p.lastGeneration));
  return {
    state: p.state,
    source: best.path === paths.primary ? 'primary' : 'replica',
    clean,
    snapshotBytes: best.bytes.length,
    rewriteJournal: upToDate ? undefined : lines,
    journalBytes: upToDate ? j1.bytes : Buffer.byteLength(lines),
    ledgerBytes,
  };
}
