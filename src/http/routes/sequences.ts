// The sequence routes: hand out the next value(s), list, read and set a sequence.
import type { Context } from 'koa';
import { ServiceError } from '../../errors.js';
import { resolveId } from '../../ids.js';
import { renderRange } from '../../series/format.js';
import { describe } from '../../series/sequence.js';
import { parseConfigureBody } from '../../series/settings.js';
import { bodyOf, optionalJsonBody } from '../json-body.js';
import { parseNextBody } from '../../ledger/input.js';
import * as params from '../params.js';
import type { RouteDeps } from '../route.js';
import { respond, sendJson } from './respond.js';

/** The id after `prefix` in the raw path; ids stored before NFC stay reachable (src/ids.ts). */
function sequenceId(ctx: Context, { store }: RouteDeps, prefix: string): Promise<string> {
  return resolveId(params.sequenceId(ctx, prefix), { has: async (id) => (await store.lastValue(id)) !== undefined, twins: (nfc) => store.twins(nfc) });
}

export async function next(ctx: Context, deps: RouteDeps): Promise<void> {
  const id = await sequenceId(ctx, deps, '/next/');
  const count = params.count(ctx);
  const text = params.wantsText(ctx);
  const key = params.idempotencyKey(ctx);
  const n = count ?? 1;
  const meta = parseNextBody(await optionalJsonBody(ctx));
  const extra = { meta, by: (ctx.state as { by?: string }).by ?? null };
  const r = await deps.store.next(id, n, key === undefined ? undefined : { key, fingerprint: `next ${n} ${id}` }, extra);
  deps.metrics?.handedOut(r.replayed === true, 'sequence', n);
  const body: Record<string, unknown> = count === undefined ? { sequence_id: id, next_value: r.first } : { sequence_id: id, next_value: r.first, last_value: r.last };
  if (r.period !== undefined) body.period = r.period;
  const formatted = r.format !== undefined && r.date !== undefined ? renderRange(r.format, r.first, r.last, r.date) : undefined;
  if (formatted) body.formatted = count === undefined ? formatted[0] : formatted;
  respond(ctx, text, JSON.stringify(body), () => formatted ?? Array.from({ length: r.last - r.first + 1 }, (_, i) => String(r.first + i)));
}

export async function listSequences(ctx: Context, { store }: RouteDeps): Promise<void> {
  const page = params.listPage(ctx);
  // One more than asked tells whether another page follows.
  const list = await store.sequencePage({ ...page, limit: page.limit + 1 });
  const more = list.length > page.limit;
  if (more) list.pop();
  const body: Record<string, unknown> = { sequences: list.map((s) => ({ sequence_id: s.id, last_value: s.last })) };
  if (more) body.next = list[list.length - 1]!.id;
  sendJson(ctx, JSON.stringify(body));
}

export async function getSequence(ctx: Context, deps: RouteDeps): Promise<void> {
  const id = await sequenceId(ctx, deps, '/sequences/');
  const found = await deps.store.sequence(id);
  if (found === undefined) throw new ServiceError('sequence_not_found', `sequence "${id}" has never been used`);
  sendJson(ctx, JSON.stringify(describe(id, found)));
}

export async function setSequence(ctx: Context, deps: RouteDeps): Promise<void> {
  const id = await sequenceId(ctx, deps, '/sequences/');
  const input = parseConfigureBody(bodyOf(ctx));
  const done = await deps.store.configure(id, input, (ctx.state as { by?: string }).by ?? null);
  sendJson(ctx, JSON.stringify(describe(id, done)));
}
