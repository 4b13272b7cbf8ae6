// Writes a state file with N sequences in the documented format (src/store/file/snapshot/format.ts), for the state-size rows.
import { writeFile } from 'node:fs/promises';
import { serializeSnapshot } from '../src/store/file/snapshot/format.js';
import type { State } from '../src/store/file/state.js';

/** The id of seeded sequence i; the spread scenario uses the first 1000 of them. */
export const seedId = (i: number): string => `s${i}`;

/** Seeded value of sequence i: arbitrary but known, so the durability check can count from it. */
export const seedValue = (i: number): number => ((i * 7919) % 1000) + 1;

/** Writes `count` sequences to `file`; returns id → starting value. */
export async function seedStateFile(file: string, count: number): Promise<Map<string, number>> {
  const sequences = new Map<string, number>();
  for (let i = 0; i < count; i++) sequences.set(seedId(i), seedValue(i));
  const state: State = { generation: 1, sequences, pools: new Map(), idempotency: new Map() };
  await writeFile(file, Buffer.concat(await serializeSnapshot(state, 1, false)));
  return sequences;
}
