// The ledger routes: reserve, a reservation and its changes (confirm, void, extend), the ledger and its gaps.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { resolveId } from '../../ids.js';
import { parseConfirm, parseExtend, parseReserve, parseVoid } from '../../ledger/input.js';
import { canonicalJson, FIELDS, ordered, RESERVATION_ID, type LedgerRecord } from '../../ledger/record.js';
import { reservationNotFound } from '../../ledger/transitions.js';
import { bodyOf } from '../json-body.js';
import { ledgerFormat, ledgerQuery, period } from '../ledger-params.js';
import * as params from '../params.js';
import type { RouteDeps } from '../route.js';
import { sendJson } from './respond.js';

const by = (ctx: Context): string | null => (ctx.state as { by?: string }).by ?? null;

function sequenceId(ctx: Context, { store }: RouteDeps, prefix: string, suffix = ''): Promise<string> {
  return resolveId(params.sequenceId(ctx, prefix, suffix), { has: async (id) => (await store.lastValue(id)) !== undefined, twins: (nfc) => store.twins(nfc) });
}

function reservationId(ctx: Context): string {
  const r = (ctx.params as { reservation: string }).reservation;
  if (!RESERVATION_ID.test(r)) throw reservationNotFound(r);
  return r;
}

const record = (ctx: Context, r: LedgerRecord): void => {
  ctx.set('Cache-Control', 'no-store');
  sendJson(ctx, JSON.stringify(ordered(r)));
};

export async function reserve(ctx: Context, deps: RouteDeps): Promise<void> {
  const id = await sequenceId(ctx, deps, '/reserve/');
  const input = parseReserve(bodyOf(ctx));
  const key = params.idempotencyKey(ctx);
  const fingerprint = `reserve ${id} ${createHash('sha256').update(canonicalJson(input)).digest('hex')}`;
  const { record: r, replayed } = await deps.store.reserve(id, input, by(ctx), key === undefined ? undefined : { key, fingerprint });
  deps.metrics?.handedOut(replayed === true, 'sequence', 1);
  const body: Record<string, unknown> = { sequence_id: r.sequence_id, number: r.number, reservation: r.reservation, state: r.state, expires_at: r.expires_at };
  if (r.period !== null) body.period = r.period;
  if (r.formatted !== null) body.formatted = r.formatted;
  ctx.status = 201;
  ctx.set('Cache-Control', 'no-store');
  sendJson(ctx, JSON.stringify(body));
}

export async function getReservation(ctx: Context, { store }: RouteDeps): Promise<void> {
  record(ctx, await store.reservation(reservationId(ctx)));
}

export async function confirm(ctx: Context, { store }: RouteDeps): Promise<void> {
  const r = reservationId(ctx);
  record(ctx, await store.confirm(r, parseConfirm(bodyOf(ctx)), by(ctx)));
}

export async function voidReservation(ctx: Context, { store }: RouteDeps): Promise<void> {
  const r = reservationId(ctx);
  record(ctx, await store.voidReservation(r, parseVoid(bodyOf(ctx)), by(ctx)));
}

export async function extend(ctx: Context, { store }: RouteDeps): Promise<void> {
  const r = reservationId(ctx);
  record(ctx, await store.extend(r, parseExtend(bodyOf(ctx))));
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function ledger(ctx: Context, deps: RouteDeps): Promise<void> {
  const id = await sequenceId(ctx, deps, '/sequences/', '/ledger');
  const format = ledgerFormat(ctx);
  const events = ctx.query.events === 'true';
  const page = events ? { entries: await deps.store.ledgerHistory(id) } : await deps.store.ledgerPage(id, ledgerQuery(ctx, format === 'json'));
  const entries = page.entries.map(ordered);
  if (format === 'csv') {
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = [FIELDS.join(','), ...entries.map((r) => FIELDS.map((f) => csvCell(r[f])).join(','))].join('\n') + '\n';
  } else if (format === 'jsonl') {
    ctx.type = 'application/jsonl';
    ctx.body = entries.map((r) => `${JSON.stringify(r)}\n`).join('');
  } else sendJson(ctx, JSON.stringify({ entries, ...('next' in page && page.next !== undefined ? { next: page.next } : {}) }));
}

export async function gaps(ctx: Context, deps: RouteDeps): Promise<void> {
  const id = await sequenceId(ctx, deps, '/sequences/', '/gaps');
  sendJson(ctx, JSON.stringify(await deps.store.gaps(id, period(ctx))));
}
