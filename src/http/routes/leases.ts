// The lease routes: define and read lease pools, acquire, renew and release leases.
import type { Context } from 'koa';
import type { LeaseGrant, LeasePoolInfo } from '../../store/leases.js';
import { bodyOf } from '../json-body.js';
import { acquireBody, leaseId, leasePoolDefinition, renewTtl } from '../lease-params.js';
import * as params from '../params.js';
import type { RouteDeps } from '../route.js';
import { sendJson } from './respond.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A holder renews three times per lease time, so two renewals may fail before the lease is lost. */
export const renewEvery = (ttl: number): number => Math.round((ttl / 3) * 1000) / 1000;

const poolJson = (p: LeasePoolInfo): Record<string, unknown> => ({
  pool: p.name,
  definition: p.definition,
  size: p.size,
  leased: p.leased,
  quarantined: p.quarantined,
  free: p.free,
  fence: p.fence,
});

const grantJson = (g: LeaseGrant): Record<string, unknown> => ({
  pool: g.pool,
  number: g.number,
  lease: g.lease,
  fence: g.fence,
  holder: g.holder,
  expires_at: iso(g.expiresAt),
  renew_every_s: renewEvery(g.ttl),
  ...(g.meta ? { meta: g.meta } : {}),
});

const poolName = (ctx: Context): string => params.poolName(ctx.path.split('/')[2]!);

export async function listLeasePools(ctx: Context, { store }: RouteDeps): Promise<void> {
  sendJson(ctx, JSON.stringify({ pools: (await store.leasePools()).map(poolJson) }));
}

export async function getLeasePool(ctx: Context, { store }: RouteDeps): Promise<void> {
  sendJson(ctx, JSON.stringify(poolJson(await store.leasePool(poolName(ctx)))));
}

export async function defineLeasePool(ctx: Context, { store }: RouteDeps): Promise<void> {
  const name = poolName(ctx);
  const { created, pool } = await store.defineLeasePool(name, leasePoolDefinition(bodyOf(ctx)));
  ctx.status = created ? 201 : 200;
  sendJson(ctx, JSON.stringify(poolJson(pool)));
}

export async function listLeases(ctx: Context, { store }: RouteDeps): Promise<void> {
  const name = poolName(ctx);
  const leases = (await store.leases(name)).map((l) => ({ number: l.number, lease: l.lease, holder: l.holder, fence: l.fence, expires_at: iso(l.expiresAt), ...(l.meta ? { meta: l.meta } : {}) }));
  sendJson(ctx, JSON.stringify({ pool: name, leases }));
}

export async function acquire(ctx: Context, { store }: RouteDeps): Promise<void> {
  const name = poolName(ctx);
  const request = acquireBody(bodyOf(ctx));
  const key = params.idempotencyKey(ctx);
  const grant = await store.acquireLease(name, request, key === undefined ? undefined : { key, fingerprint: `lease ${name} ${JSON.stringify(request.holder)}` });
  ctx.status = 201;
  ctx.set('Cache-Control', 'no-store');
  sendJson(ctx, JSON.stringify(grantJson(grant)));
}

export async function renew(ctx: Context, { store }: RouteDeps): Promise<void> {
  const g = await store.renewLease(leaseId(ctx.path), renewTtl(bodyOf(ctx)));
  ctx.set('Cache-Control', 'no-store');
  sendJson(ctx, JSON.stringify({ pool: g.pool, number: g.number, fence: g.fence, expires_at: iso(g.expiresAt), renew_every_s: renewEvery(g.ttl) }));
}

export async function release(ctx: Context, { store }: RouteDeps): Promise<void> {
  const r = await store.releaseLease(leaseId(ctx.path));
  sendJson(ctx, JSON.stringify(r));
}
