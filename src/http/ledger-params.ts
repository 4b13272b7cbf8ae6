// The query of GET /sequences/:id/ledger and /gaps: period, number range, state, page, and the output format.
import type { Context } from 'koa';
import { ServiceError } from '../errors.js';
import type { LedgerQuery } from '../ledger/page.js';
import { LEDGER_STATES, type LedgerState } from '../ledger/record.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './params.js';

const PERIOD = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function one(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v)) throw new ServiceError(name === 'limit' ? 'invalid_limit' : name === 'format' ? 'invalid_format' : 'invalid_value', `"${name}" was given more than once`);
  return v === '' ? undefined : v;
}

function number(ctx: Context, name: string): number | undefined {
  const raw = one(ctx, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new ServiceError('invalid_value', `${name} must be a whole number, got "${raw.slice(0, 40)}"`);
  return Number(raw);
}

export function period(ctx: Context): string | undefined {
  const raw = one(ctx, 'period');
  if (raw !== undefined && !PERIOD.test(raw)) throw new ServiceError('invalid_value', `period must be written as the sequence writes it (2026, 2026-01 or 2026-01-05), got "${raw.slice(0, 40)}"`);
  return raw;
}

export type LedgerFormat = 'json' | 'csv' | 'jsonl';

export function ledgerFormat(ctx: Context): LedgerFormat {
  const raw = (one(ctx, 'format') ?? 'json').toLowerCase();
  if (raw !== 'json' && raw !== 'csv' && raw !== 'jsonl') throw new ServiceError('invalid_format', `format must be "json", "csv" or "jsonl", got "${raw.slice(0, 40)}"`);
  return raw;
}

export function ledgerQuery(ctx: Context, paged: boolean): LedgerQuery {
  const q: LedgerQuery = {};
  const p = period(ctx);
  if (p !== undefined) q.period = p;
  for (const name of ['from', 'to', 'after'] as const) {
    const n = number(ctx, name);
    if (n !== undefined) q[name] = n;
  }
  const state = one(ctx, 'state');
  if (state !== undefined) {
    if (!LEDGER_STATES.includes(state as LedgerState)) throw new ServiceError('invalid_value', `state must be one of ${LEDGER_STATES.join(', ')}`);
    q.state = state as LedgerState;
  }
  const limit = one(ctx, 'limit');
  if (limit !== undefined && (!/^\d{1,6}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT))
    throw new ServiceError('invalid_limit', `limit must be a whole number from 1 to ${MAX_LIMIT}, got "${limit.slice(0, 40)}"`);
  if (limit !== undefined) q.limit = Number(limit);
  else if (paged) q.limit = DEFAULT_LIMIT;
  return q;
}
