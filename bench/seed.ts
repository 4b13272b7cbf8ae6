// Writes a state file with N sequences in the documented format (src/store/state.ts), for the state-size rows.
import { writeFile } from 'node:fs/promises';
import { serialize, type State } from '../src/store/state.js';

/** The id of seeded sequence i; the spread scenario uses the first 1000 of them. */
export const seedId = (i: number): string => `s${i}`;

/** Seeded value of sequence i: arbitrary but known, so the durability check can count from it. */
export const seedValue = (i: number): number => ((i * 7919) % 1000) + 1;

/** Writes `count` sequences to `file`; returns id → starting value. */
export async function seedStateFile(file: string, count: number): Promise<Map<string, number>> {
  const sequences = new Map<string, number>();
  for (let i = 0; i < count; i++) sequences.set(seedId(i), seedValue(i));
  const state: State = { generation: 1, sequences, random: {}, series: new Map(), idempotency: new Map() };
  await writeFile(file, serialize(state));
  return sequences;
}
