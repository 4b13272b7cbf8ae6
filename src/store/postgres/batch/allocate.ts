// One statement allocates for a whole batch: every sequence moves by the sum of its requests' counts and
// every pool by the sum of its draws; the ranges are split among the requests in arrival order. A group
// the statement cannot serve whole (it would pass 2^53−1, a new id past MAX_SEQUENCES, a pool running out)
// is left unchanged by it and its requests are then tried one by one, so each gets its own answer.
import { poolNotFound, randomExhausted, sequenceExhausted, tooManySequences } from '../../rules/refusals.js';
import { newIdAdmitted, oneIdAdmitted } from '../admission.js';
import type { Db } from '../connection.js';
import { MAX_VALUE_SQL } from '../schema.js';
import { hasSeries, NOT_SERIES, reserveInSeries, type SeriesContext } from '../series.js';
import { domainFromJson } from '../pool-definition.js';
import type { DrawOp, NextOp, Op, PoolInfo } from './ops.js';
import type { PoolCache } from './pools.js';

export interface AllocateContext {
  maxSequences: number;
  /** Pool identities by name; a miss is looked up before the statement. */
  pools: PoolCache;
  /** What sequences with settings need (they are left by the statements below and served one by one). */
  series: SeriesContext;
}

// Rows are inserted (and so locked) in id order, the pools in kind order: batches of several instances
// never wait for each other in a cycle. New ids are admitted in arrival order while the table has room.
const BATCH_SQL = `WITH seq_in AS (
    SELECT u.id, u.total, u.ord, EXISTS (SELECT 1 FROM tan_sequences e WHERE e.id = u.id) AS known
    FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS u(id, total, ord)
  ), seq_new AS (
    SELECT id, row_number() OVER (ORDER BY ord) AS rank FROM seq_in WHERE NOT known
  ), seq AS (
    INSERT INTO tan_sequences AS s (id, value)
    SELECT i.id, i.total FROM seq_in i LEFT JOIN seq_new n ON n.id = i.id
    WHERE i.total <= ${MAX_VALUE_SQL}
      AND ${newIdAdmitted('i.known', 'n.rank', '$5::bigint')}
    ORDER BY i.id
    ON CONFLICT (id) DO UPDATE SET value = s.value + EXCLUDED.value WHERE s.value + EXCLUDED.value <= ${MAX_VALUE_SQL} AND ${NOT_SERIES('s')}
    RETURNING s.id, s.value
  ), pool AS (
    UPDATE tan_pools p SET drawn = p.drawn + u.total
    FROM (SELECT * FROM unnest($3::text[], $4::bigint[]) AS v(kind, total) ORDER BY kind) u
    WHERE p.kind = u.kind AND p.drawn + u.total <= p.size
    RETURNING p.kind, p.drawn - u.total AS start, p.key, p.domain
  )
  SELECT 's' AS part, id AS name, value::text AS v, NULL::text AS key, NULL::jsonb AS domain FROM seq
  UNION ALL SELECT 'p', kind, start::text, key, domain FROM pool`;

/** Requests of one sequence or one pool in arrival order, and the sum of their counts. */
interface Group<T extends Op> {
  name: string;
  total: number;
  ops: T[];
}

function group<T extends Op>(ops: T[], name: (op: T) => string): Map<string, Group<T>> {
  const groups = new Map<string, Group<T>>();
  for (const op of ops) {
    const k = name(op);
    const g = groups.get(k);
    if (g) {
      g.total += op.count;
      g.ops.push(op);
    } else groups.set(k, { name: k, total: op.count, ops: [op] });
  }
  return groups;
}

/**
 * Runs the batch statement for `ops` and gives each request it served its outcome; returns the requests
 * it did not serve (their sequence or pool is unchanged), for allocateOne.
 */
export async function allocateBatch(db: Db, ops: Op[], ctx: AllocateContext): Promise<Op[]> {
  if (ops.length === 0) return [];
  const sequences = group(ops.filter((o): o is NextOp => o.kind === 'next'), (o) => o.id);
  const pools = group(ops.filter((o): o is DrawOp => o.kind === 'draw'), (o) => o.pool);
  // A pool created since the cache was filled (maybe by another instance) is read now; one still unknown is refused.
  await ctx.pools.load(db, pools.keys());
  for (const [name, g] of pools)
    if (!ctx.pools.get(name)) {
      for (const op of g.ops) op.outcome = { error: poolNotFound(name) };
      pools.delete(name);
    }
  const seqs = [...sequences.values()];
  const draws = [...pools.values()];
  if (seqs.length === 0 && draws.length === 0) return [];
  const { rows } = await db.query<{ part: 's' | 'p'; name: string; v: string; key: string; domain: Record<string, unknown> }>({
    name: 'tan_batch',
    text: BATCH_SQL,
    values: [seqs.map((g) => g.name), seqs.map((g) => g.total), draws.map((g) => g.name), draws.map((g) => g.total), ctx.maxSequences],
  });
  const served = new Set<Group<Op>>();
  for (const row of rows) {
    if (row.part === 's') {
      const g = sequences.get(row.name)!;
      let next = Number(row.v) - g.total + 1;
      for (const op of g.ops) {
        op.outcome = { value: { first: next, last: next + op.count - 1 } };
        next += op.count;
      }
      served.add(g);
    } else {
      const g = pools.get(row.name)!;
      const { domain, key } = drawnWith(ctx.pools, g.name, row.key, row.domain);
      let start = Number(row.v);
      for (const op of g.ops) {
        op.outcome = { value: { pool: op.pool, start, count: op.count, domain, key } };
        start += op.count;
      }
      served.add(g);
    }
  }
  return [...seqs, ...draws].filter((g) => !served.has(g)).flatMap((g): Op[] => g.ops);
}

// One request alone: the same rules for one id, with the refusal read back when nothing was changed.
const NEXT_SQL = `INSERT INTO tan_sequences AS s (id, value)
  SELECT $1::text, $2::bigint WHERE $2::bigint <= ${MAX_VALUE_SQL} AND ${oneIdAdmitted('$1::text', '$3::bigint')}
  ON CONFLICT (id) DO UPDATE SET value = s.value + EXCLUDED.value WHERE s.value + EXCLUDED.value <= ${MAX_VALUE_SQL} AND ${NOT_SERIES('s')}
  RETURNING value`;

const DRAW_SQL = `UPDATE tan_pools SET drawn = drawn + $2::bigint
  WHERE kind = $1 AND drawn + $2::bigint <= size
  RETURNING drawn - $2::bigint AS start, key, domain`;

/**
 * The pool identity a draw was made with, as its row holds it: `migrate` may have replaced a pool that had
 * drawn nothing (key and all) while this instance ran, and values from the old cached key could repeat.
 */
function drawnWith(pools: PoolCache, name: string, key: string, domain: Record<string, unknown>): PoolInfo {
  const cached = pools.get(name);
  if (cached && cached.key === key) return cached;
  const info = { domain: domainFromJson(domain), key };
  pools.set(name, info);
  return info;
}

/** Serves one request on its own (the rare case the batch statement left), giving it a value or its refusal. */
export async function allocateOne(db: Db, op: Op, ctx: AllocateContext): Promise<void> {
  if (op.kind === 'next') {
    const { rows } = await db.query<{ value: string }>(NEXT_SQL, [op.id, op.count, ctx.maxSequences]);
    if (rows[0]) {
      const last = Number(rows[0].value);
      op.outcome = { value: { first: last - op.count + 1, last } };
      return;
    }
    // A sequence with settings moves only under its row lock, in its period.
    if (await hasSeries(db, op.id)) {
      op.outcome = (await reserveInSeries(db, ctx.series, op.id, op.count)) as typeof op.outcome;
      return;
    }
    const now = await db.query<{ value: string }>('SELECT value FROM tan_sequences WHERE id = $1', [op.id]);
    const current = now.rows[0] === undefined ? undefined : Number(now.rows[0].value);
    op.outcome = {
      error:
        current === undefined
          ? tooManySequences(op.id, ctx.maxSequences)
          : sequenceExhausted(op.id, current, op.count),
    };
    return;
  }
  await ctx.pools.load(db, [op.pool]);
  const info = ctx.pools.get(op.pool);
  if (!info) {
    op.outcome = { error: poolNotFound(op.pool) };
    return;
  }
  const { rows } = await db.query<{ start: string; key: string; domain: Record<string, unknown> }>(DRAW_SQL, [op.pool, op.count]);
  if (rows[0]) {
    const { domain, key } = drawnWith(ctx.pools, op.pool, rows[0].key, rows[0].domain);
    op.outcome = { value: { pool: op.pool, start: Number(rows[0].start), count: op.count, domain, key } };
    return;
  }
  const now = await db.query<{ drawn: string; size: string }>('SELECT drawn, size FROM tan_pools WHERE kind = $1', [op.pool]);
  if (!now.rows[0]) {
    op.outcome = { error: poolNotFound(op.pool) };
    return;
  }
  const drawn = Number(now.rows[0]!.drawn);
  const size = Number(now.rows[0]!.size);
  op.outcome = {
    error: randomExhausted(op.pool, drawn, size, op.count),
  };
}
