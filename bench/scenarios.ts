// The four request mixes of the bench and how each records its answers.
import type { Ledger } from './ledger.js';
import { seedId } from './seed.js';

export interface Scenario {
  name: string;
  /** Whether a cut-off request of this mix may have used a sequence value. */
  sequences: boolean;
  path: () => () => string;
  record: (ledger: Ledger, status: number, body: string) => void;
}

export const SPREAD_IDS = 1000;

const next = (l: Ledger, s: number, b: string): void => l.next(s, b);

export const SCENARIOS: Scenario[] = [
  { name: '/next hot id', sequences: true, path: () => () => '/next/hot', record: next },
  {
    name: `/next ${SPREAD_IDS} ids`,
    sequences: true,
    path: () => {
      let k = 0;
      return () => `/next/${seedId(k++ % SPREAD_IDS)}`;
    },
    record: next,
  },
  { name: '/random int', sequences: false, path: () => () => '/random?type=int', record: (l, s, b) => l.random('int', s, b) },
  { name: '/random float', sequences: false, path: () => () => '/random?type=float', record: (l, s, b) => l.random('float', s, b) },
];
