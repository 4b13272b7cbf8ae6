// Idempotency keys of a batch, inside its transaction: claim every key at once, replay or refuse the keys
// already answered, and after the allocation record the answers (or give back the keys of refused requests).
// A key claimed by another instance's open transaction blocks the claim until that one commits; then it reads
// as answered and is replayed, so a retry gets the first answer from whichever instance it reaches.
import { isServiceError, ServiceError } from '../../../errors.js';
import { idempotencyKeyReused, poolNotFound } from '../../rules/refusals.js';
import { replayedDraw, replayedReservation, resultOf } from '../../rules/reservation.js';
import type { Draw, IdempotentResult, Reservation } from '../../store.js';
import type { Db } from '../connection.js';
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

/** The kept answer for a retry (period, date and format were kept with it); a refusal as its outcome. */
function replay(op: Op, key: string, r: IdempotentResult, pools: PoolCache): Outcome<Reservation | Draw> {
  try {
    if (op.kind === 'next') return { value: replayedReservation(r, key) };
    const info = r.kind === 'draw' ? pools.get(r.pool) : undefined;
    if (r.kind === 'draw' && !info) return { error: poolNotFound(r.pool) };
    return { value: replayedDraw(r, key, info!) };
  } catch (e) {
    if (isServiceError(e)) return { error: e };
    throw e;
  }
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
    else decide(op, replay(op, op.idem.key, entry.result, pools));
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
    results.push(JSON.stringify(resultOf(o.value)));
  }
  if (answered.length > 0) await db.query(RECORD_SQL, [answered, results]);
  if (refused.length > 0) await db.query('DELETE FROM tan_idempotency WHERE key = ANY($1::text[])', [refused]);
  for (const { op, leader } of plan.followers) {
    const o = leader.outcome;
    if (o !== undefined) decide(op, 'error' in o ? o : { value: { ...o.value, replayed: true } });
  }
}
