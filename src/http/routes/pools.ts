// The pool routes: list, read, define a pool, and whether a value was handed out.
import type { Context } from 'koa';
import { ServiceError } from '../../errors.js';
import { definitionJson } from '../../random/definition.js';
import { domainSize, parseValue, valueText } from '../../random/domain.js';
import type { PoolState } from '../../store/store.js';
import { bodyOf } from '../json-body.js';
import * as params from '../params.js';
import type { RouteDeps } from '../route.js';
import { sendJson } from './respond.js';

function poolJson(name: string, p: PoolState): string {
  const size = domainSize(p.domain);
  return JSON.stringify({ pool: name, definition: definitionJson(p.domain), size, drawn: p.drawn, left: size - p.drawn });
}

export async function listPools(ctx: Context, { store }: RouteDeps): Promise<void> {
  const pools = await store.pools();
  sendJson(ctx, `{"pools":[${pools.map((p) => poolJson(p.name, p)).join(',')}]}`);
}

export async function getPool(ctx: Context, { store }: RouteDeps): Promise<void> {
  const name = params.poolName(ctx.path.slice('/pools/'.length));
  sendJson(ctx, poolJson(name, await store.pool(name)));
}

export async function definePool(ctx: Context, { store }: RouteDeps): Promise<void> {
  const name = params.poolName(ctx.path.slice('/pools/'.length));
  const domain = params.poolDefinition(bodyOf(ctx));
  const { created, pool } = await store.definePool(name, domain);
  ctx.status = created ? 201 : 200;
  sendJson(ctx, poolJson(name, pool));
}

export async function wasIssued(ctx: Context, { store, random }: RouteDeps): Promise<void> {
  const [, , rawName, , rawValue] = ctx.path.split('/');
  const name = params.poolName(rawName!);
  const value = params.poolValue(rawValue!);
  const p = await store.pool(name);
  const parsed = parseValue(p.domain, value);
  if ('problem' in parsed) throw new ServiceError('invalid_value', `"${value.slice(0, 80)}" cannot be a value of pool "${name}": ${parsed.problem}`);
  // Issued iff the value's draw number (the inverse permutation of its index) is below the pool's position.
  const issued = random.permutation(p.key, p.domain).invert(parsed.index) < p.drawn;
  if (!issued) throw new ServiceError('value_not_issued', `"${value}" is a value of pool "${name}" that has not been handed out`);
  const text = p.domain.type === 'code' ? JSON.stringify(value) : valueText(p.domain, parsed.index);
  sendJson(ctx, `{"pool":${JSON.stringify(name)},"value":${text},"issued":true}`);
}
