// Idempotency keys of a batch, inside its transaction: claim every key at once, replay or refuse the keys
// already answered, and after the allocation record the answers (or give back the keys of refused requests).
// A key claimed by another instance's open transaction blocks the claim until that one commits; then it reads
// as answered and is replayed, so a retry gets the first answer from whichever instance it reaches.
import type { IssueDate } from '../../../series/format.js';
import { ServiceError } from '../../../errors.js';
import { poolNotFound } from '../../rules.js';
import { idempotencyKeyReused } from '../../rules.js';
import type { IdempotentResult } from '../../store.js';
import type { Db } from './allocate.js';
import type { Draw, Reservation } from '../../store.js';
import { decide, type Op, type Outcome } from './ops.js';
import type { PoolCache } from './pools.js';

// A new key, or an expired one taken over; a live key is left as it is (and is not returned).
const CLAIM_SQL = `INSERT INTO tan_idempotency AS i (key, fingerprint, at, result)
  SELECT k, f, $3::bigint, NULL FROM unnest($1::text[], $2::text[]) AS u(k, f) ORDER BY k
  ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, at = EXCLUDED.at, result = NULL
  WHERE i.at <= $4::bigint
  RETURNING key`;

const RECORD_SQL = `UPDATE tan_idempotency i SET result = u.result
  FROM unnest($1::text[], $2::jsonb[]) AS u(key, result) WHERE i.key = u.key`;

export interface KeyPlan {
  /** Requests that allocate: every one without a key, and the first request of each newly claimed key. */
  fresh: Op[];
  /** Claimed keys with their first request, to record once the allocation is decided. */
  leaders: Op[];
  /** Later requests with a claimed key: they take the first request's answer once it is known. */
  followers: { op: Op; leader: Op }[];
}

const reused = (fingerprint: string): ServiceError => idempotencyKeyReused(fingerprint);

function replay(op: Op, r: IdempotentResult, pools: PoolCache): Outcome<Reservation | Draw> {
  // [series] period, date and format were recorded with the answer.
  if (op.kind === 'next' && r.kind === 'next') return { value: { first: r.first, last: r.last, replayed: true, ...seriesOf(r) } };
  if (op.kind === 'draw' && r.kind === 'draw') {
    const info = pools.get(r.pool);
    if (!info) return { error: poolNotFound(r.pool) };
    return { value: { pool: r.pool, start: r.start, count: r.count, domain: info.domain, key: info.key, replayed: true } };
  }
  return { error: new ServiceError('internal_error', 'idempotency fingerprint collision') };
}

/** Claims the keys of `ops` (at time `now`); gives replays and refusals their outcome and says who allocates. */
export async function claimKeys(db: Db, ops: Op[], now: number, ttlMs: number, pools: PoolCache): Promise<KeyPlan> {
  const plan: KeyPlan = { fresh: [], leaders: [], followers: [] };
  const first = new Map<string, Op>();
  for (const op of ops) if (op.idem && !first.has(op.idem.key)) first.set(op.idem.key, op);
  const keys = [...first.keys()];
  // Every key at once, in key order: claims of several instances never wait for each other in a cycle.
  const claimed = await db.query<{ key: string }>(CLAIM_SQL, [keys, keys.map((k) => first.get(k)!.idem!.fingerprint), now, now - ttlMs]);
  const mine = new Set(claimed.rows.map((r) => r.key));
  const others = keys.filter((k) => !mine.has(k));
  const stored = new Map<string, { fingerprint: string; result: IdempotentResult | null }>();
  if (others.length > 0) {
    const { rows } = await db.query<{ key: string; fingerprint: string; result: IdempotentResult | null }>(
      'SELECT key, fingerprint, result FROM tan_idempotency WHERE key = ANY($1::text[])',
      [others],
    );
    for (const r of rows) stored.set(r.key, r);
    // A replayed draw may name a pool this instance has not seen yet (created by another instance), or one that
    // `migrate` replaced while it ran: its identity is read again.
    await pools.load(db, rows.flatMap((r) => (r.result?.kind === 'draw' ? [r.result.pool] : [])), true);
  }
  // In arrival order, so that the requests that allocate split their ranges in that order.
  for (const op of ops) {
    if (!op.idem) {
      plan.fresh.push(op);
      continue;
    }
    const leader = first.get(op.idem.key)!;
    if (mine.has(op.idem.key)) {
      if (op === leader) {
        plan.fresh.push(op);
        plan.leaders.push(op);
      } else if (op.idem.fingerprint !== leader.idem!.fingerprint) op.outcome = { error: reused(leader.idem!.fingerprint) };
      else plan.followers.push({ op, leader });
      continue;
    }
    const entry = stored.get(op.idem.key);
    // Claimed by nobody and present nowhere: it was deleted between the two statements (trimmed); the retry will claim it.
    if (!entry) op.outcome = { error: new ServiceError('storage_unavailable', 'the Idempotency-Key changed while it was read; retry') };
    else if (entry.fingerprint !== op.idem.fingerprint) op.outcome = { error: reused(entry.fingerprint) };
    else if (entry.result === null) op.outcome = { error: new ServiceError('internal_error', 'the Idempotency-Key has no recorded answer') };
    else decide(op, replay(op, entry.result, pools));
  }
  return plan;
}

/** Records the answers of the claimed keys and gives back the keys whose request was refused; answers the followers. */
export async function recordKeys(db: Db, plan: KeyPlan): Promise<void> {
  const answered: string[] = [];
  const results: string[] = [];
  const refused: string[] = [];
  for (const op of plan.leaders) {
    const o = op.outcome;
    if (o === undefined || 'error' in o) {
      refused.push(op.idem!.key);
      continue;
    }
    answered.push(op.idem!.key);
    const v = o.value;
    const result: IdempotentResult =
      'first' in v ? { kind: 'next', first: v.first, last: v.last, ...seriesOf(v) } : { kind: 'draw', pool: v.pool, start: v.start, count: v.count };
    results.push(JSON.stringify(result));
  }
  if (answered.length > 0) await db.query(RECORD_SQL, [answered, results]);
  if (refused.length > 0) await db.query('DELETE FROM tan_idempotency WHERE key = ANY($1::text[])', [refused]);
  for (const { op, leader } of plan.followers) {
    const o = leader.outcome;
    if (o !== undefined) decide(op, 'error' in o ? o : { value: { ...o.value, replayed: true } });
  }
}

/** [series] The period, date and format of a formatted answer (none for a plain one). */
function seriesOf(r: { period?: string; date?: IssueDate; format?: string }): { period?: string; date?: IssueDate; format?: string } {
  const out: { period?: string; date?: IssueDate; format?: string } = {};
  if (r.period !== undefined) out.period = r.period;
  if (r.date !== undefined) out.date = r.date;
  if (r.format !== undefined) out.format = r.format;
  return out;
}
