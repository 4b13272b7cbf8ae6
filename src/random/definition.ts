// A named pool's definition as sent with PUT /pools/:name (and as stored): checked, normalized, or refused with why.
import { domainProblem, type PoolDomain } from './domain.js';

export const POOL_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Why `name` cannot name a pool, or undefined if it can. */
export function poolNameProblem(name: string): string | undefined {
  return POOL_NAME.test(name) ? undefined : 'a pool name is 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" and "-"';
}

const FIELDS: Record<PoolDomain['type'], readonly string[]> = {
  int: ['type', 'min', 'max'],
  float: ['type', 'min', 'max', 'decimals'],
  code: ['type', 'alphabet', 'length', 'prefix', 'check'],
};

/** The definition from parsed JSON, with defaults filled in (prefix "", check false); throws nothing. */
export function parseDefinition(v: unknown): { domain: PoolDomain } | { problem: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'a pool definition is a JSON object with a "type"' };
  const o = v as Record<string, unknown>;
  const type = o.type;
  if (type !== 'int' && type !== 'float' && type !== 'code') return { problem: 'type must be "int", "float" or "code"' };
  const unknown = Object.keys(o).filter((k) => !FIELDS[type].includes(k));
  if (unknown.length > 0) return { problem: `a ${type} pool has no field "${unknown[0]}" (fields: ${FIELDS[type].join(', ')})` };
  let domain: PoolDomain;
  if (type === 'code') {
    domain = { type, alphabet: o.alphabet as string, length: o.length as number, prefix: (o.prefix ?? '') as string, check: (o.check ?? false) as boolean };
  } else {
    if (typeof o.min !== 'number' || typeof o.max !== 'number') return { problem: 'min and max must be numbers' };
    if (type === 'int') domain = { type, min: o.min, max: o.max };
    else {
      if (typeof o.decimals !== 'number') return { problem: 'decimals must be a whole number from 1 to 15' };
      domain = { type, min: o.min, max: o.max, decimals: o.decimals };
    }
  }
  if (domain.type !== 'code' && domain.min > domain.max) return { problem: 'min is above max' };
  const problem = domainProblem(domain);
  return problem ? { problem } : { domain };
}

/** The definition as JSON members in a fixed order (for answers, the state file and the database). */
export function definitionJson(d: PoolDomain): PoolDomain {
  if (d.type === 'int') return { type: 'int', min: d.min, max: d.max };
  if (d.type === 'float') return { type: 'float', min: d.min, max: d.max, decimals: d.decimals };
  return { type: 'code', alphabet: d.alphabet, length: d.length, prefix: d.prefix, check: d.check };
}
