// --recover=salvage: whatever can be read of every file of the state, the highest value of each sequence
// and pool position, and the lease pools (salvage-leases.ts). What could not be read is said, never silently dropped.
import type { PoolState } from '../../store.js';
import { atOrAhead, type SequenceState } from '../../../series/sequence.js';
import { idProblem } from '../../../ids.js';
import { isObject, namedPool, sequenceEntry } from '../validate.js';
import { salvageSequencePairs, sequencesRegion } from '../snapshot/legacy.js';
import { emptyState, type State } from '../state.js';
import { LeaseSalvage } from './salvage-leases.js';

function keepPool(state: State, name: string, p: PoolState, notes: string[]): void {
  const have = state.pools.get(name);
  if (!have) state.pools.set(name, p);
  else if (have.key !== p.key) notes.push(`pool "${name}" has two different keys in the damaged files; kept the one that drew more`);
  if (have && p.drawn > have.drawn) state.pools.set(name, have.key === p.key ? { ...have, drawn: p.drawn } : p);
}

/** Salvages snapshot texts (any format, damaged or not) and journal texts (any line that still parses). */
export function salvage(snapshots: string[], journals: string[]): { state: State; notes: string[] } {
  const state = emptyState();
  const notes: string[] = [];
  const leases = new LeaseSalvage();
  /** Pools seen whose every copy failed to parse. */
  const unread = new Set<string>();
  const seq = (id: string, v: number): void => void state.sequences.set(id, Math.max(state.sequences.get(id) ?? 0, v));
  // The latest period (then value) of each sequence with settings wins, with its own value.
  const series = new Map<string, SequenceState>();
  const ser = (id: string, v: unknown): void => {
    if (idProblem(id)) return;
    try {
      const s = sequenceEntry(v, id);
      const have = series.get(id);
      if (!have || atOrAhead(s, have)) series.set(id, s);
    } catch {
      // unreadable series line
    }
  };
  for (const text of snapshots) {
    const gen = /"generation"\s*:\s*(\d+)/.exec(text);
    if (gen && Number.isSafeInteger(Number(gen[1]))) state.generation = Math.max(state.generation, Number(gen[1]));
    leases.snapshot(text);
    for (const [id, v] of salvageSequencePairs(sequencesRegion(text))) seq(id, v);
    const seriesAt = text.search(/\n  "series"\s*:/);
    if (seriesAt >= 0) {
      const line = /\n {4}("(?:[^"\\\n]|\\.)*"): (\{[^\n]*\})/g;
      const end = text.search(/\n  "(leases|idempotency)"\s*:/);
      const region = text.slice(seriesAt, end > seriesAt ? end : undefined);
      for (let m = line.exec(region); m; m = line.exec(region)) {
        try {
          ser(JSON.parse(m[1]!) as string, JSON.parse(m[2]!.replace(/,$/, '')));
        } catch {
          // unreadable series line
        }
      }
    }
    const poolsAt = text.search(/\n  "(random|pools)"\s*:/);
    if (poolsAt < 0) continue;
    // A pool is one line: {"domain": {...}, "key": ..., "drawn": n} or format 1's flat object.
    const line = /\n {4}"([^"\n]+)": (\{[^\n]*\})/g;
    const poolsEnd = text.slice(poolsAt + 1).search(/\n  "(series|leases|idempotency)"\s*:/);
    const region = text.slice(poolsAt, poolsEnd >= 0 ? poolsAt + 1 + poolsEnd : undefined);
    for (let m = line.exec(region); m; m = line.exec(region)) {
      try {
        keepPool(state, m[1]!, namedPool(JSON.parse(m[2]!), m[1]!, m[1]!), notes);
      } catch {
        // unreadable pool line: reported below if no copy of the pool was readable
        unread.add(m[1]!);
      }
    }
  }
  for (const text of journals)
    for (const line of text.split('\n')) {
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isObject(o)) continue;
      if (typeof o.g === 'number' && Number.isSafeInteger(o.g)) state.generation = Math.max(state.generation, o.g);
      if (isObject(o.seq)) for (const [id, v] of salvageSequencePairs(JSON.stringify(o.seq))) seq(id, v);
      if (isObject(o.series)) for (const [id, v] of Object.entries(o.series)) ser(id, v);
      if (isObject(o.leases)) leases.record(o.leases);
      if (isObject(o.pools))
        for (const [name, p] of Object.entries(o.pools)) {
          if (!isObject(p)) continue;
          if ('key' in p) {
            try {
              keepPool(state, name, namedPool(p, name, name), notes);
            } catch {
              unread.add(name);
            }
          } else if (typeof p.drawn === 'number' && Number.isSafeInteger(p.drawn)) {
            const have = state.pools.get(name);
            if (have && p.drawn > have.drawn) have.drawn = p.drawn;
            // A position for a pool whose key is lost is useless without the key: reported below.
          }
        }
    }
  for (const [id, s] of series) {
    if (s.series) {
      state.sequences.set(id, s.last);
      state.series.set(id, s.series);
    } else seq(id, s.last);
  }
  for (const kind of ['int', 'float'])
    if (!state.pools.has(kind)) notes.push(`random pool "${kind}" could not be read and starts afresh with a new key: values it drew before may be drawn again`);
  for (const name of unread)
    if (!state.pools.has(name) && name !== 'int' && name !== 'float')
      notes.push(`random pool "${name}" could not be read and is left out: defining it again would give it a new key, and values it drew before could be drawn again`);
  leases.finish(state, notes);
  state.generation += 1;
  return { state, notes };
}
