// MAX_SEQUENCES, once: a known id is always written; a new one only while fewer than the maximum exist.
// PostgreSQL states the same rule in SQL (postgres/admission.ts).
import { tooManySequences } from './refusals.js';

export const admitsSequence = (known: boolean, stored: number, max: number): boolean => known || stored < max;

/** Throws too_many_sequences when `id` would be one sequence past `max`. */
export function checkNewSequence(id: string, known: boolean, stored: number, max: number): void {
  if (!admitsSequence(known, stored, max)) throw tooManySequences(id, max);
}
