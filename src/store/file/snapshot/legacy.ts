// The formats before format 2, still read: format 1 (no checksum, pools under "random") and the flat
// take-a-number file {"foo": 3}. Files without a checksum may be hand-edited: duplicate ids keep their highest.
import { idProblem } from '../../../ids.js';
import type { PoolState } from '../../store.js';
import { emptyState, type State } from '../state.js';
import { count, fail, idempotencyEntries, isCount, isObject, namedPool, sequences } from '../validate.js';

export function format1(o: Record<string, unknown>): State {
  const pools = new Map<string, PoolState>();
  if (!isObject(o.random)) fail('random is not an object');
  // Any pool name: format 1 as the first cut of named pools wrote it too.
  for (const [name, p] of Object.entries(o.random as Record<string, unknown>)) pools.set(name, namedPool(p, `random.${name}`, name));
  return { ...emptyState(), generation: count(o.generation, 'generation'), sequences: sequences(o.sequences, 'sequences'), pools, idempotency: idempotencyEntries(o.idempotency) };
}

/** The flat file as JSON.parse read it: an object of non-negative integers. */
export function flat(o: Record<string, unknown>): State {
  return { ...emptyState(), sequences: sequences(o, 'legacy state') };
}

/** JSON.parse keeps the last of duplicate ids; files without a checksum (hand-edited ones) keep the highest. */
export function withHighestDuplicates(state: State, text: string): State {
  for (const [id, value] of salvageSequencePairs(sequencesRegion(text))) if (value > (state.sequences.get(id) ?? -1) && state.sequences.has(id)) state.sequences.set(id, value);
  return state;
}

/** The text of the "sequences" object of one of our files, or the whole text of a flat file. */
export function sequencesRegion(text: string): string {
  const start = /\n  "sequences"\s*:\s*\{/.exec(text);
  if (!start) return /^\s*\{\s*"format"\s*:\s*[12]\s*,\s*\n?\s*"generation"/.test(text) ? '' : text;
  const rest = text.slice(start.index + start[0].length);
  // The next top-level member (two spaces) ends it; a sequence named "pools" is indented by four.
  const end = rest.search(/\n  "(pools|random|series|idempotency|checksum)"\s*:/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every readable `"id": value` pair in `region`, the highest value per id. */
export function salvageSequencePairs(region: string): Map<string, number> {
  const found = new Map<string, number>();
  const pair = /"((?:[^"\\\n]|\\.)*)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  for (let m = pair.exec(region); m; m = pair.exec(region)) {
    let id: string;
    try {
      id = JSON.parse(`"${m[1]}"`) as string;
    } catch {
      continue;
    }
    const value = Number(m[2]);
    if (idProblem(id) || !isCount(value)) continue;
    found.set(id, Math.max(found.get(id) ?? 0, value));
  }
  return found;
}
