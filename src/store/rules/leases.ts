// The refusals of lease pools, once for both stores.
import { ServiceError } from '../../errors.js';
import { leaseDefinitionJson, type LeasePoolDefinition } from '../../leases/definition.js';
import type { LeaseEnd } from '../../leases/pool.js';

export const leasePoolNotFound = (name: string): ServiceError =>
  new ServiceError('pool_not_found', `there is no lease pool "${name}"; create it with PUT /lease-pools/${name}`);

export const leasePoolConflict = (name: string, existing: LeasePoolDefinition): ServiceError =>
  new ServiceError('pool_conflict', `lease pool "${name}" exists with another definition; a lease pool's definition never changes`, { definition: leaseDefinitionJson(existing) });

export const nameTakenByRandomPool = (name: string): ServiceError =>
  new ServiceError('pool_conflict', `"${name}" is the name of a random pool; a lease pool needs a name of its own`);

export const nameTakenByLeasePool = (name: string): ServiceError =>
  new ServiceError('pool_conflict', `"${name}" is the name of a lease pool; a random pool needs a name of its own`);

export const leasesExhausted = (name: string, size: number, retryAfterMs: number): ServiceError =>
  new ServiceError('leases_exhausted', `every number of lease pool "${name}" is leased or in quarantine; retry after the Retry-After seconds`, {
    size,
    retry_after: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });

export const leaseLost = (reason: LeaseEnd): ServiceError =>
  new ServiceError('lease_lost', reason === 'released' ? 'the lease was released; acquire a new one' : 'the lease expired and may be held by another holder now; acquire a new one', {
    reason,
  });

export const leaseNotFound = (): ServiceError =>
  new ServiceError('lease_not_found', 'there is no such lease; use the "lease" of the acquire answer, or acquire a new one');
