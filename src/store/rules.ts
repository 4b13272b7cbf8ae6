// The allocation rules both stores refuse with, written once: each returns the ServiceError to throw.
import { ServiceError } from '../errors.js';

export const tooManySequences = (max: number, id: string): ServiceError =>
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
