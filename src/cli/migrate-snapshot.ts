// What `migrate` moves between stores, and the rule for combining it with what the target already holds.
import { sameDomain } from '../random/domain.js';
import { atOrAhead, type SequenceState } from '../series/sequence.js';
import type { StateExport } from '../store/store.js';
import { mergeLeases } from './migrate-leases.js';

/** What `migrate` moves: a store's whole content. */
export type Snapshot = StateExport;

/** Refuses the migration; the message is the one line printed on stderr. */
export class MigrateRefusal extends Error {}

export interface Merged {
  snapshot: Snapshot;
  /** Where the target is ahead of the source (already handed out more); kept only with --take-max. */
  ahead: string[];
}

/**
 * The target after the move: every value at least what the source handed out, so nothing is re-issued.
 * Throws MigrateRefusal if the target is ahead and takeMax is off, or if a pool cannot be combined at all.
 */
export function mergeInto(source: Snapshot, target: Snapshot, takeMax: boolean): Merged {
  const ahead: string[] = [];
  const sequences = new Map(target.sequences);
  const series = new Map(target.series);
  for (const [id, value] of source.sequences) {
    const there = target.sequences.get(id);
    // A sequence with settings moves by period first: the later (period, value) wins, periods are merged.
    if (source.series.has(id) || target.series.has(id)) {
      const from: SequenceState = { last: value, series: source.series.get(id) };
      const to: SequenceState | undefined = there === undefined ? undefined : { last: there, series: target.series.get(id) };
      const win = !to || atOrAhead(from, to) ? from : to;
      if (win === to) ahead.push(`sequence ${JSON.stringify(id)} is at ${there} (period ${to.series?.period ?? 'none'}) in the target, past the source`);
      sequences.set(id, win.last);
      if (win.series) {
        const periods: Record<string, number> = { ...to?.series?.periods };
        for (const [p, n] of Object.entries(from.series?.periods ?? {})) periods[p] = Math.max(n, periods[p] ?? 0);
        series.set(id, { ...win.series, periods });
      } else series.delete(id);
      continue;
    }
    if (there !== undefined && there > value) ahead.push(`sequence ${JSON.stringify(id)} is at ${there} in the target but ${value} in the source`);
    sequences.set(id, Math.max(value, there ?? 0));
  }
  for (const [id, there] of target.sequences)
    if (!source.sequences.has(id) && there > 0) ahead.push(`sequence ${JSON.stringify(id)} is at ${there} in the target and absent from the source`);

  const random: Snapshot['random'] = new Map(target.random);
  for (const [kind, from] of source.random) {
    const there = target.random.get(kind);
    if (!there || (there.drawn === 0 && (there.key !== from.key || !sameDomain(there.domain, from.domain)))) {
      // Nothing was drawn with the target's own key: the source's pool replaces it.
      random.set(kind, { ...from });
      continue;
    }
    if (there.key !== from.key || !sameDomain(there.domain, from.domain))
      throw new MigrateRefusal(
        `the target's ${kind} random pool has another key or range and has already handed out ${there.drawn} values; ` +
          `the two pools cannot be combined without repeating values (not even with --take-max). Nothing was changed.`,
      );
    if (there.drawn > from.drawn) ahead.push(`the ${kind} random pool has drawn ${there.drawn} in the target but ${from.drawn} in the source`);
    random.set(kind, { ...from, drawn: Math.max(from.drawn, there.drawn) });
  }

  const entries = new Map(target.idempotency);
  for (const [key, e] of source.idempotency) {
    const have = entries.get(key);
    if (!have || e.at >= have.at) entries.set(key, e);
  }
  const idempotency = new Map([...entries].sort(([, a], [, b]) => a.at - b.at));
  const leases = mergeLeases(source.leases, target.leases, (why) => {
    throw new MigrateRefusal(why);
  });

  if (ahead.length > 0 && !takeMax)
    throw new MigrateRefusal(
      `the target is ahead of the source: ${ahead[0]}${ahead.length > 1 ? ` (and ${ahead.length - 1} more)` : ''}. ` +
        `Nothing was changed; use --take-max to keep the larger value of each.`,
    );
  return { snapshot: { sequences, random, series, idempotency, leases }, ahead };
}
