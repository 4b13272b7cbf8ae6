// The requests a batch carries, one interface per kind; a new kind of allocation is one more member of Op.
import { ServiceError } from '../../../errors.js';
import type { PoolDomain } from '../../../random/domain.js';
import type { Draw, Idempotency, Reservation } from '../../store.js';
import type { Waiter } from './commit.js';

/** What a request ends with once its batch is decided; it is sent only after the batch committed. */
export type Outcome<T> = { value: T } | { error: ServiceError };

interface Base<T> extends Waiter {
  count: number;
  idem?: Idempotency;
  resolve(value: T): void;
  outcome?: Outcome<T>;
}

export interface NextOp extends Base<Reservation> {
  kind: 'next';
  id: string;
}

export interface DrawOp extends Base<Draw> {
  kind: 'draw';
  /** The pool's name. */
  pool: string;
}

export type Op = NextOp | DrawOp;

/** A pool's fixed identity (set when it is created, never changed), cached per instance (batch/pools.ts). */
export interface PoolInfo {
  domain: PoolDomain;
  key: string;
}

/** Sets the outcome of a request of either kind (the caller built the value for the request's kind). */
export function decide(op: Op, outcome: Outcome<Reservation | Draw>): void {
  (op as { outcome?: Outcome<Reservation | Draw> }).outcome = outcome;
}

/** Answers a request with its outcome. */
export function settle(op: Op): void {
  const o = op.outcome;
  if (o === undefined) op.reject(new ServiceError('internal_error', 'a batched request was left without an answer'));
  else if ('error' in o) op.reject(o.error);
  else (op.resolve as (v: unknown) => void)(o.value);
}
