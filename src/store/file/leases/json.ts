// Lease pools as the state file writes them (the snapshot's "leases" section and a record's): to JSON and
// back, every value read back checked. A slot's key is its number.
import { holderProblem, metaProblem, parseLeaseDefinition, leaseDefinitionJson, type LeasePoolDefinition } from '../../../leases/definition.js';
import { LeasePool, type LeaseSlot } from '../../../leases/pool.js';
import { poolNameProblem } from '../../../random/definition.js';
import { count, fail, isObject } from '../validate.js';

/** A lease pool in a record: the definition when the record created it, its fence, and the slots it changed. */
export interface LeasePoolChange {
  definition?: LeasePoolDefinition;
  fence: number;
  /** Number (as text) → its latest slot. */
  slots?: Record<string, LeaseSlot>;
}

type SlotJson = { lease: string; holder: string; fence: number; expires_at: number; ttl: number; meta?: Record<string, unknown>; ended?: string };

export function slotJson(s: LeaseSlot): SlotJson {
  return { lease: s.lease, holder: s.holder, fence: s.fence, expires_at: s.expiresAt, ttl: s.ttl, ...(s.meta ? { meta: s.meta } : {}), ...(s.ended ? { ended: s.ended } : {}) };
}

export function slotFrom(v: unknown, where: string): LeaseSlot {
  if (!isObject(v)) return fail(`${where} is not an object`);
  if (typeof v.lease !== 'string' || v.lease.length === 0 || v.lease.length > 200) fail(`${where}.lease is not a lease id`);
  if (holderProblem(v.holder)) fail(`${where}.holder: ${holderProblem(v.holder)}`);
  const slot: LeaseSlot = {
    lease: v.lease as string,
    holder: v.holder as string,
    fence: count(v.fence, `${where}.fence`),
    expiresAt: count(v.expires_at, `${where}.expires_at`),
    ttl: count(v.ttl, `${where}.ttl`),
  };
  if (v.meta !== undefined) slot.meta = metaProblem(v.meta) ? fail(`${where}.meta: ${metaProblem(v.meta)}`) : (v.meta as Record<string, unknown>);
  if (v.ended !== undefined) slot.ended = v.ended === 'released' || v.ended === 'expired' ? v.ended : fail(`${where}.ended is not "released" or "expired"`);
  return slot;
}

function definitionFrom(v: unknown, where: string): LeasePoolDefinition {
  const parsed = parseLeaseDefinition(v);
  return 'problem' in parsed ? fail(`${where}: ${parsed.problem}`) : parsed.definition;
}

/** The slots of a pool from `{"<number>": slot}`, each number inside the pool. */
function slotsFrom(v: unknown, def: LeasePoolDefinition, where: string): [number, LeaseSlot][] {
  if (!isObject(v)) return fail(`${where} is not an object`);
  const out: [number, LeaseSlot][] = [];
  for (const key in v) {
    const n = Number(key);
    if (!/^\d{1,16}$/.test(key) || n < def.min || n > def.max) fail(`${where}: ${JSON.stringify(key.slice(0, 20))} is not a number of the pool`);
    out.push([n - def.min, slotFrom(v[key], `${where}[${key}]`)]);
  }
  return out;
}

/** A whole pool as the snapshot writes it. */
export function leasePoolJson(p: LeasePool): { definition: LeasePoolDefinition; fence: number; slots: Record<string, SlotJson> } {
  const slots: Record<string, SlotJson> = {};
  for (const [offset, s] of [...p.slots].sort((a, b) => a[0] - b[0])) slots[String(p.definition.min + offset)] = slotJson(s);
  return { definition: leaseDefinitionJson(p.definition), fence: p.fence, slots };
}

export function leasePoolFrom(v: unknown, name: string): LeasePool {
  const where = `leases.${name}`;
  if (poolNameProblem(name)) fail(`${where}: ${poolNameProblem(name)}`);
  if (!isObject(v)) return fail(`${where} is not an object`);
  const def = definitionFrom(v.definition, `${where}.definition`);
  const pool = new LeasePool(def, count(v.fence, `${where}.fence`));
  for (const [offset, slot] of slotsFrom(v.slots ?? {}, def, `${where}.slots`)) pool.put(offset, slot);
  return pool;
}

/** The snapshot's "leases" section (absent in files written before lease pools). */
export function leasePoolsFrom(v: unknown): Map<string, LeasePool> {
  const map = new Map<string, LeasePool>();
  if (v === undefined) return map;
  if (!isObject(v)) return fail('leases is not an object');
  for (const name in v) map.set(name, leasePoolFrom(v[name], name));
  return map;
}

export function changeJson(c: LeasePoolChange): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.definition) out.definition = leaseDefinitionJson(c.definition);
  out.fence = c.fence;
  if (c.slots) out.slots = Object.fromEntries(Object.entries(c.slots).map(([n, s]) => [n, slotJson(s)]));
  return out;
}

/** A record's "leases" section; slot numbers are checked against the pool when the record is applied. */
export function changesFrom(v: unknown): Record<string, LeasePoolChange> {
  if (!isObject(v)) return fail('leases is not an object');
  const out: Record<string, LeasePoolChange> = {};
  for (const name in v) {
    const where = `leases.${name}`;
    if (poolNameProblem(name)) fail(`${where}: ${poolNameProblem(name)}`);
    const c = v[name];
    if (!isObject(c)) return fail(`${where} is not an object`);
    const change: LeasePoolChange = { fence: count(c.fence, `${where}.fence`) };
    if (c.definition !== undefined) change.definition = definitionFrom(c.definition, `${where}.definition`);
    if (c.slots !== undefined) {
      if (!isObject(c.slots)) return fail(`${where}.slots is not an object`);
      const slots: Record<string, LeaseSlot> = {};
      for (const key in c.slots) {
        if (!/^\d{1,16}$/.test(key)) fail(`${where}.slots: ${JSON.stringify(key.slice(0, 20))} is not a number`);
        slots[key] = slotFrom(c.slots[key], `${where}.slots[${key}]`);
      }
      change.slots = slots;
    }
    out[name] = change;
  }
  return out;
}

/** Applies one pool's change (live and at replay); false when it names a pool that is not there or a number outside it. */
export function applyLeaseChange(pools: Map<string, LeasePool>, name: string, c: LeasePoolChange): boolean {
  let pool = pools.get(name);
  if (!pool) {
    if (!c.definition) return false;
    pool = new LeasePool(c.definition, c.fence);
    pools.set(name, pool);
  }
  pool.fence = Math.max(pool.fence, c.fence);
  let ok = true;
  for (const key in c.slots ?? {}) {
    const n = Number(key);
    if (n < pool.definition.min || n > pool.definition.max) ok = false;
    else pool.put(n - pool.definition.min, { ...c.slots![key]! });
  }
  return ok;
}
