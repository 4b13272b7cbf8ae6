// --recover=salvage: whatever can be read of every file of the state, the highest value of each sequence
// and pool position. What could not be read is said, never silently dropped.
import type { PoolState } from '../../store.js';
import { isObject } from '../shape.js';
import { namedPool } from '../shape.js';
import { salvageSequencePairs, sequencesRegion } from '../snapshot/format.js';
import { emptyState, type State } from '../state.js';

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
  /** Pools seen whose every copy failed to parse. */
  const unread = new Set<string>();
  const seq = (id: string, v: number): void => void state.sequences.set(id, Math.max(state.sequences.get(id) ?? 0, v));
  for (const text of snapshots) {
    const gen = /"generation"\s*:\s*(\d+)/.exec(text);
    if (gen && Number.isSafeInteger(Number(gen[1]))) state.generation = Math.max(state.generation, Number(gen[1]));
    for (const [id, v] of salvageSequencePairs(sequencesRegion(text))) seq(id, v);
    const poolsAt = text.search(/\n  "(random|pools)"\s*:/);
    if (poolsAt < 0) continue;
    // A pool is one line: {"domain": {...}, "key": ..., "drawn": n} or format 1's flat object.
    const line = /\n {4}"([^"\n]+)": (\{[^\n]*\})/g;
    const region = text.slice(poolsAt, text.search(/\n  "idempotency"\s*:/) > poolsAt ? text.search(/\n  "idempotency"\s*:/) : undefined);
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
  for (const kind of ['int', 'float'])
    if (!state.pools.has(kind)) notes.push(`random pool "${kind}" could not be read and starts afresh with a new key: values it drew before may be drawn again`);
  for (const name of unread)
    if (!state.pools.has(name) && name !== 'int' && name !== 'float')
      notes.push(`random pool "${name}" could not be read and is left out: defining it again would give it a new key, and values it drew before could be drawn again`);
  state.generation += 1;
  return { state, notes };
}
