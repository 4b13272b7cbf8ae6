// The allocation rules both stores refuse with, written once: each returns the ServiceError to throw.
import { ServiceError } from '../../errors.js';
import { definitionJson } from '../../random/definition.js';
import type { PoolDomain } from '../../random/domain.js';

export const tooManySequences = (id: string, max: number): ServiceError =>
  new ServiceError('too_many_sequences', `this service keeps at most ${max} sequences; "${id}" would be one more`);

export const sequenceExhausted = (id: string, current: number, count: number): ServiceError =>
  new ServiceError('sequence_exhausted', `sequence "${id}" is at ${current}; ${count} more would pass ${Number.MAX_SAFE_INTEGER}, the largest exact integer`, {
    last_value: current,
  });

export const valueBehind = (id: string, current: number): ServiceError =>
  new ServiceError('value_behind', `sequence "${id}" is already at ${current}; it only moves forward`, { last_value: current });

export const randomExhausted = (pool: string, drawn: number, size: number, count: number): ServiceError =>
  new ServiceError('random_exhausted', `the ${pool} pool has handed out ${drawn} of its ${size} values; ${count} more do not fit`, { drawn, size });

export const idempotencyKeyReused = (fingerprint: string): ServiceError =>
  new ServiceError('idempotency_key_reused', `the Idempotency-Key was first used for another request (${fingerprint})`);

/** Whether `count` more values fit after `current` (values stay exact integers). */
export const fitsAfter = (current: number, count: number): boolean => current + count <= Number.MAX_SAFE_INTEGER;

export const poolNotFound = (name: string): ServiceError => new ServiceError('pool_not_found', `there is no pool "${name}"; create it with PUT /pools/${name}`);

export const tooManyPools = (name: string, max: number): ServiceError =>
  new ServiceError('too_many_pools', `this service keeps at most ${max} named pools (MAX_POOLS); "${name}" would be one more, and pools are never deleted`);

export const poolConflict = (name: string, existing: PoolDomain): ServiceError =>
  new ServiceError('pool_conflict', `pool "${name}" exists with another definition; a pool's definition never changes (a changed one could repeat values)`, {
    definition: definitionJson(existing),
  });

/** The store is closing: nothing more is written (unavailable, so a client retries against another instance). */
export const storageClosing = (): ServiceError => new ServiceError('storage_unavailable', 'the service is shutting down');

/**
 * A stored answer of another kind under the same key and fingerprint: fingerprints name their kind, so only a
 * defect gets here. Both stores answer it as the same internal_error, never a replay of the wrong answer.
 */
export const fingerprintCollision = (key: string): ServiceError =>
  new ServiceError('internal_error', `the Idempotency-Key "${key}" holds a stored answer of another kind; nothing was handed out; retry with a new Idempotency-Key`);
