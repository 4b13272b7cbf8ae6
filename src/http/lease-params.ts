// Reading and checking the input of the lease routes; every failure is a ServiceError with a 4xx code.
import { ServiceError } from '../errors.js';
import { holderProblem, metaProblem, parseLeaseDefinition, ttlProblem, type LeasePoolDefinition } from '../leases/definition.js';
import { leaseIdParts } from '../leases/id.js';
import type { LeaseAcquire } from '../store/leases.js';
import type { NameReader } from './route.js';

export function leasePoolDefinition(body: unknown): LeasePoolDefinition {
  const parsed = parseLeaseDefinition(body);
  if ('problem' in parsed) throw new ServiceError('invalid_lease_pool', `the lease pool definition cannot work: ${parsed.problem}`);
  return parsed.definition;
}

const object = (body: unknown, what: string): Record<string, unknown> => {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ServiceError('invalid_body', `the body of ${what} is a JSON object`);
  return body as Record<string, unknown>;
};

/** `{"holder", "ttl"?, "meta"?}` of an acquire. */
export function acquireBody(body: unknown): LeaseAcquire {
  const o = object(body, 'an acquire');
  const unknown = Object.keys(o).find((k) => !['holder', 'ttl', 'meta'].includes(k));
  if (unknown !== undefined) throw new ServiceError('invalid_body', `an acquire has no field "${unknown.slice(0, 40)}" (fields: holder, ttl, meta)`);
  const problem = holderProblem(o.holder) ?? (o.ttl === undefined ? undefined : ttlProblem(o.ttl)) ?? (o.meta === undefined ? undefined : metaProblem(o.meta));
  if (problem) throw new ServiceError('invalid_body', `${problem}, e.g. {"holder":"pod-7f9c","ttl":30}`);
  return { holder: o.holder as string, ...(o.ttl === undefined ? {} : { ttl: o.ttl as number }), ...(o.meta === undefined ? {} : { meta: o.meta as Record<string, unknown> }) };
}

/** `{"ttl"?}` of a renew. */
export function renewTtl(body: unknown): number | undefined {
  const o = object(body, 'a renew');
  const unknown = Object.keys(o).find((k) => k !== 'ttl');
  if (unknown !== undefined) throw new ServiceError('invalid_body', `a renew has no field "${unknown.slice(0, 40)}" (fields: ttl)`);
  if (o.ttl === undefined) return undefined;
  const problem = ttlProblem(o.ttl);
  if (problem) throw new ServiceError('invalid_body', problem);
  return o.ttl as number;
}

/** The lease id of /leases/:lease/…, percent-decoded (an id that is not one is lease_not_found in the store). */
export function leaseId(path: string): string {
  const raw = path.split('/')[2] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** A lease's pool, for the scope take:<pool>: it is written in the lease id. */
export const leasePoolName: NameReader = (_, captures) => {
  try {
    return leaseIdParts(decodeURIComponent(captures[0]!))?.pool;
  } catch {
    return undefined;
  }
};
