// Medians over the rounds of one cell, and the spread the report prints beside them.
import type { LoadResult } from './load.js';

export interface Summary {
  rounds: number;
  /** Medians over the rounds. */
  rps: number;
  p50: number;
  p99: number;
  /** The slowest answer of any round. */
  max: number;
  rpsMin: number;
  rpsMax: number;
  failed: number;
  errors: number;
  requests: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export function summarize(results: readonly LoadResult[]): Summary {
  if (results.length === 0) throw new Error('no result to summarize');
  const rps = results.map((r) => r.rps);
  return {
    rounds: results.length,
    rps: median(rps),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    max: Math.max(...results.map((r) => r.max)),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    failed: results.reduce((a, r) => a + r.failed, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    requests: results.reduce((a, r) => a + r.requests, 0),
  };
}

/**
 * A's req/s over B's as the median over the rounds of the two cells' ratio within the same round, so drift
 * between rounds cancels; NaN unless both have one result per round.
 */
export function roundRatio(a: readonly { rps: number }[] | undefined, b: readonly { rps: number }[] | undefined): number {
  return a && b && a.length > 0 && a.length === b.length ? median(a.map((x, i) => x.rps / b[i]!.rps)) : NaN;
}
