// Recovery's part for the ledger: the ledger file's events placed in order with their chain checked, the
// snapshot's chain heads proven to be in it, and every recorded number covered by its sequence's value.
import { GENESIS, type LedgerRecord } from '../../../ledger/record.js';
import { comparePeriods } from '../../../series/period.js';
import type { State } from '../state.js';
import { followsChain } from './line.js';
import type { LedgerFileRead } from './read.js';

/** Places the file's events; returns why it cannot, naming the file and line. */
export function loadLedgerFile(state: State, file: LedgerFileRead): string | undefined {
  const book = state.ledger;
  const first = file.damaged[0];
  if (first) return `the ledger file ${file.path} is damaged at line ${first.line} (${first.reason})`;
  for (const { line, record } of file.records) {
    const head = book.head(record.sequence_id);
    if (head && record.event <= head.event) return `the ledger file ${file.path} holds event ${record.event} of "${record.sequence_id}" twice (line ${line})`;
    if (!followsChain(head?.hash ?? GENESIS, record))
      return `the ledger file ${file.path} line ${line} (event ${record.event} of "${record.sequence_id}", number ${record.number}) does not follow its hash chain: it was changed`;
    if (book.apply(record) === 'gap') return `the ledger file ${file.path} line ${line} is event ${record.event} of "${record.sequence_id}", but event ${(head?.event ?? 0) + 1} is missing before it`;
  }
  for (const [id, want] of state.ledgerHeads ?? []) {
    const have = book.head(id);
    if (!have || have.event < want.event)
      return `the ledger file ${file.path} ${file.status === 'missing' ? 'is missing' : `ends at event ${have?.event ?? 0} of "${id}"`}, but the snapshot says it holds ${want.event} events of "${id}"`;
    if (have.event === want.event && have.hash !== want.hash) return `the ledger file ${file.path}'s last event of "${id}" is not the one the snapshot names: it was changed`;
  }
  return undefined;
}

/** Checks a journal record's events against their chains before they are applied. */
export function ledgerEventsProblem(state: State, events: readonly LedgerRecord[], g: number): string | undefined {
  const heads = new Map<string, { event: number; hash: string }>();
  for (const r of events) {
    const head = heads.get(r.sequence_id) ?? state.ledger.head(r.sequence_id);
    if (head && r.event <= head.event) continue;
    if (r.event !== (head?.event ?? 0) + 1) return `journal record ${g} holds event ${r.event} of "${r.sequence_id}", but the ledger stops at ${head?.event ?? 0}`;
    if (!followsChain(head?.hash ?? GENESIS, r)) return `journal record ${g}'s ledger event ${r.event} of "${r.sequence_id}" does not follow its hash chain`;
    heads.set(r.sequence_id, { event: r.event, hash: r.hash });
  }
  return undefined;
}

/**
 * Every number the ledger holds stays handed out: a sequence's value (or its earlier period's) is raised to
 * its highest recorded number. A checkpoint may write events to the ledger file before the commit that
 * carries their value is on disk; values only move forward, so this is the same max as a replay.
 */
export function coverLedger(state: State): void {
  const book = state.ledger;
  for (const id of book.chains.keys()) {
    const series = state.series.get(id);
    for (const key of book.periods(id)) {
      const list = book.records(id, key === '' ? null : key);
      const last = list[list.length - 1];
      if (!last) continue;
      const top = last.through ?? last.number;
      const current = series?.period;
      if (key === '' || key === current || current === undefined) {
        state.sequences.set(id, Math.max(state.sequences.get(id) ?? 0, top));
        if (series && key !== '' && current === undefined) series.period = key;
      } else if (series && comparePeriods(key, current) < 0) {
        if ((series.periods[key] ?? 0) < top) series.periods = { ...series.periods, [key]: top };
      } else if (series) {
        // A later period than the stored one: the sequence moves into it.
        const was = state.sequences.get(id) ?? 0;
        series.periods = was > 0 ? { ...series.periods, [current]: was } : series.periods;
        series.period = key;
        state.sequences.set(id, top);
      }
    }
  }
}
