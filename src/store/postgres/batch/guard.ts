// The going-backwards check on a batch (../high-water.ts). Before allocating: a row already refused is read
// again (an operator may have moved it forward) and its requests refused without moving it. After allocating,
// before the commit is answered: the row's position before the allocation comes back with the values, so a row
// that came back below a value already answered is proof, at no cost. After the commit: the answers are remembered.
import type { Draw, Reservation } from '../../store.js';
import type { Db } from '../connection.js';
import type { HighWater, Position } from '../high-water.js';
import { POOL, SEQUENCE } from '../high-water-rows.js';
import type { Op } from './ops.js';

const rowOf = (op: Op): { kind: string; name: string } => (op.kind === 'next' ? { kind: SEQUENCE, name: op.id } : { kind: POOL, name: op.pool });

/** The row's position before and after the values `op` was given, or undefined without new values. */
function span(op: Op): { before: Position; after: Position } | undefined {
  const o = op.outcome;
  if (o === undefined || 'error' in o || o.value.replayed) return undefined;
  if (op.kind === 'next') {
    const r = o.value as Reservation;
    const period = r.period === undefined ? {} : { period: r.period };
    return { before: { value: r.first - 1, ...period }, after: { value: r.last, ...period } };
  }
  const d = o.value as Draw;
  return { before: { value: d.start }, after: { value: d.start + d.count } };
}

/** Refuses the requests of rows still behind; returns the requests left to allocate. */
export async function screen(db: Db, water: HighWater, ops: Op[]): Promise<Op[]> {
  for (const kind of [SEQUENCE, POOL])
    if (water.anyRefused(kind))
      await water.recheck(
        db,
        kind,
        ops.map(rowOf).filter((r) => r.kind === kind).map((r) => r.name),
      );
  return ops.filter((op) => {
    const { kind, name } = rowOf(op);
    const refusal = water.refusal(kind, name);
    if (refusal) op.outcome = { error: refusal };
    return !refusal;
  });
}

/** Turns every answer of a row that came back behind into its refusal (the values stay burnt). */
export function guard(water: HighWater, ops: Op[]): void {
  const lowest = new Map<string, { kind: string; name: string; before: Position }>();
  for (const op of ops) {
    const s = span(op);
    if (!s) continue;
    const { kind, name } = rowOf(op);
    const key = `${kind}\u0000${name}`;
    const seen = lowest.get(key);
    if (!seen || s.before.value < seen.before.value) lowest.set(key, { kind, name, before: s.before });
  }
  const refused = new Set<string>();
  for (const [key, { kind, name, before }] of lowest) if (water.check(kind, name, before)) refused.add(key);
  for (const op of ops) {
    const { kind, name } = rowOf(op);
    if (!refused.has(`${kind}\u0000${name}`) || !span(op)) continue;
    op.outcome = { error: water.refusal(kind, name)! };
  }
}

/** Remembers what a committed batch handed out. */
export function remember(water: HighWater, ops: Op[]): void {
  for (const op of ops) {
    const s = span(op);
    if (!s) continue;
    const { kind, name } = rowOf(op);
    water.answered(kind, name, s.after);
  }
}
