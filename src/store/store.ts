// The contract every store keeps (file and PostgreSQL). It knows nothing of HTTP.
import type { PoolDomain } from '../random/domain.js';
import type { IssueDate } from '../series/format.js';
import type { Rolled, SeriesState } from '../series/sequence.js';
import type { ConfigureInput } from '../series/settings.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { LedgerStore } from './ledger.js';
import type { LeasePoolExport, LeaseStore } from './leases.js';

export interface Reservation {
  /** First value handed out. */
  first: number;
  /** Last value handed out (first + count - 1). */
  last: number;
  /** True when an Idempotency-Key replayed an earlier answer: nothing new was handed out. */
  replayed?: boolean;
  // Set only for a sequence with settings:
  /** The period the values belong to (reset other than "never"). */
  period?: string;
  /** The date printed in formatted ids. */
  date?: IssueDate;
  /** The sequence's format, when it has one. */
  format?: string;
}

/** One page of GET /sequences: ids above `after`, starting with `prefix`, at most `limit`, in compareIds order. */
export interface ListPage {
  limit?: number;
  after?: string;
  prefix?: string;
}

/** A contiguous run of draw indexes [start, start + count) of one random pool, with what permutes them. */
export interface Draw {
  /** The pool's name ("int" and "float" are the pools of RANDOM_*). */
  pool: string;
  start: number;
  count: number;
  domain: PoolDomain;
  /** The pool's 256-bit permutation key, hex. */
  key: string;
  /** True when an Idempotency-Key replayed an earlier answer: nothing new was drawn. */
  replayed?: boolean;
}

export interface SequenceInfo {
  id: string;
  last: number;
}

/** Identifies a retried request: same key + same fingerprint returns the first answer. */
export interface Idempotency {
  key: string;
  /** Canonical form of the request, e.g. "next foo 3"; a different one with the same key is refused. */
  fingerprint: string;
}

/** The answer an idempotent request gave, kept so a retry gets it again. */
export type IdempotentResult =
  | { kind: 'next'; first: number; last: number; period?: string; date?: IssueDate; format?: string }
  | { kind: 'draw'; pool: string; start: number; count: number }
  | { kind: 'reserve'; reservation: string }
  | { kind: 'lease'; pool: string; number: number; fence: number };

export interface IdempotencyEntry {
  fingerprint: string;
  /** When the key was first used, epoch milliseconds. */
  at: number;
  result: IdempotentResult;
}

export interface PoolState {
  domain: PoolDomain;
  /** 256-bit permutation key, hex. */
  key: string;
  drawn: number;
}

/** A pool with its name, as listed. */
export interface NamedPool extends PoolState {
  name: string;
}

/** A store's whole content, as migrate reads it from one store and writes it into another (each store's export.ts). */
export interface StateExport {
  sequences: Map<string, number>;
  /** Random pools by name: int, float and the named pools. */
  random: Map<string, PoolState>;
  /** Settings and periods of the sequences that have them. */
  series: Map<string, SeriesState>;
  /** In age order, oldest first (the file store relies on it). */
  idempotency: Map<string, IdempotencyEntry>;
  /** Every ledger event, each sequence's in chain order (absent: no ledger; older exports). */
  ledger?: LedgerRecord[];
  /** Lease pools by name, with every number's latest lease and the pool's fence (a restore jumps the fences). */
  leases: Map<string, LeasePoolExport>;
}

/** What /next adds to the records of a ledger sequence. */
export interface NextExtra {
  meta?: Record<string, unknown> | null;
  by?: string | null;
}

export interface CommitStats {
  /** Number of mutations (requests) the commit covered. */
  batch: number;
  seconds: number;
}

export interface StoreHealth {
  ok: boolean;
  reason?: string;
  /** PostgreSQL: attached standbys that commits wait for (pg_stat_replication sync_state sync or quorum). */
  synchronousStandbys?: number;
}

export interface Store extends LedgerStore, LeaseStore {
  /** Reserves `count` consecutive values of sequence `id`; resolves once they are durable. On a ledger sequence they are recorded confirmed, with `extra`. */
  next(id: string, count: number, idem?: Idempotency, extra?: NextExtra): Promise<Reservation>;
  /** Draws `count` indexes from the named pool; resolves once the draw is durable. The caller permutes them. Unknown: pool_not_found. */
  draw(pool: string, count: number, idem?: Idempotency): Promise<Draw>;
  /** The pool's domain, key and current position; pool_not_found if there is no such pool. */
  pool(name: string): Promise<PoolState>;
  /** Every pool ("int" and "float" included), sorted by name. */
  pools(): Promise<NamedPool[]>;
  /**
   * Creates a pool with a new key, durably; the same definition again answers the existing pool (created
   * false). A different definition: pool_conflict; past MAX_POOLS: too_many_pools. Pools are never deleted.
   */
  definePool(name: string, domain: PoolDomain): Promise<{ created: boolean; pool: PoolState }>;
  /** Last value handed out, or undefined if the sequence was never used. */
  lastValue(id: string): Promise<number | undefined>;
  /** One page of sequences sorted by id in code point order (src/ids.ts compareIds); all of them without a page. */
  sequencePage(page?: ListPage): Promise<SequenceInfo[]>;
  // Settings, periods and ids stored before NFC:
  /** The sequence with its settings, rolled into the clock's current period (not written), or undefined. */
  sequence(id: string): Promise<Rolled | undefined>;
  /** Applies a PUT /sequences/:id (series/sequence.ts configure) and makes it durable. */
  configure(id: string, input: ConfigureInput, by?: string | null): Promise<Rolled>;
  /** Stored ids other than `nfc` whose NFC form is `nfc` (see src/ids.ts resolveId). */
  twins(nfc: string): Promise<string[]>;
  /** Moves a sequence forward so the next value is last + 1; refuses to move backwards. */
  advanceTo(id: string, last: number): Promise<number>;
  /** Whether the store can write right now; an unhealthy store may retry a write to find out. */
  health(): Promise<StoreHealth>;
  /** Called after every commit, for metrics. */
  onCommit?: (stats: CommitStats) => void;
  /** Called once per commit that failed (its whole batch answered storage_unavailable), for metrics. */
  onCommitFailure?: () => void;
  /** Finishes pending commits and releases resources (lock, connections). */
  close(): Promise<void>;
}
