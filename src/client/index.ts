// take-a-number/client: a typed client for Node callers, with the CLI's retries and idempotency.
//   import { TakeANumber } from 'take-a-number/client';
//   const tan = new TakeANumber({ url: 'http://127.0.0.1:5000', token: process.env.TAKE_A_NUMBER_TOKEN });
//   const { next_value } = await tan.next('build');
import { randomUUID } from 'node:crypto';
import { call, ClientError, DEFAULT_URL, type ClientOptions } from './http.js';
import type { LeaseGrant, LeasePool, LeaseReleased, LeaseRenewed, NextValue, RandomCode, RandomCodes, RandomNumber, RandomNumbers, Sequence, SequenceList } from './types.js';

export { ClientError } from './http.js';
export type * from './types.js';
export type * from './ledger-types.js';
import type { GapReport, LedgerRecord, ReservedNumber } from './ledger-types.js';

export interface TakeANumberOptions {
  /** Default DEFAULT_URL, the server's own default address. */
  url?: string;
  token?: string;
  /** Retries of connection failures, timeouts and 5xx after the first attempt (never 4xx); default 6. */
  retries?: number;
  /** Time limit of each attempt; default 10 s. */
  timeoutMs?: number;
}

export interface TakeOptions {
  /** Reuse a key across runs (e.g. the CI job id) to get the same values on a rerun; default a new one per call. */
  idempotencyKey?: string;
}

const DEFAULTS = { url: DEFAULT_URL, retries: 6, timeoutMs: 10_000 };

export class TakeANumber {
  private readonly opts: ClientOptions;

  constructor(options: TakeANumberOptions = {}) {
    this.opts = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  }

  private async json<T>(method: 'GET' | 'POST' | 'PUT', path: string, extra: { idempotencyKey?: string; body?: unknown; idempotent?: boolean } = {}): Promise<T> {
    const text = await call(method, path, { ...this.opts, idempotencyKey: extra.idempotencyKey ?? randomUUID() }, { accept: 'application/json', body: extra.body, idempotent: extra.idempotent });
    return JSON.parse(text) as T;
  }

  /** Hands out the next value (or `count` consecutive values) of a sequence. */
  next(sequenceId: string, options: TakeOptions & { count?: number } = {}): Promise<NextValue> {
    const q = options.count === undefined ? '' : `?count=${options.count}`;
    return this.json('POST', `/next/${encodeURIComponent(sequenceId)}${q}`, options);
  }

  /** Hands out one random number never handed out before (type int by default). */
  random(options: TakeOptions & { type?: 'int' | 'float' } = {}): Promise<RandomNumber> {
    return this.json('GET', `/random?type=${options.type ?? 'int'}`, options);
  }

  /** Hands out `count` random numbers never handed out before. */
  randoms(count: number, options: TakeOptions & { type?: 'int' | 'float' } = {}): Promise<RandomNumbers> {
    return this.json('GET', `/random?type=${options.type ?? 'int'}&count=${count}`, options);
  }

  /** Hands out one value of a named pool never handed out before: {number} from int and float pools, {code} from code pools. */
  draw(pool: string, options: TakeOptions = {}): Promise<RandomNumber | RandomCode> {
    return this.json('POST', `/random/${encodeURIComponent(pool)}`, options);
  }

  /** Hands out `count` values of a named pool never handed out before. */
  draws(pool: string, count: number, options: TakeOptions = {}): Promise<RandomNumbers | RandomCodes> {
    return this.json('POST', `/random/${encodeURIComponent(pool)}?count=${count}`, options);
  }

  /**
   * Whether `value` was handed out by the pool: true, or false for a well-formed value it has not handed out.
   * A value that cannot be one of the pool (400 invalid_value) throws. Pass a float as the text with all its
   * decimals (JSON numbers lose trailing zeros: use toFixed(decimals)).
   */
  async issued(pool: string, value: string | number): Promise<boolean> {
    try {
      await this.json('GET', `/pools/${encodeURIComponent(pool)}/values/${encodeURIComponent(String(value))}`, { idempotent: false });
      return true;
    } catch (e) {
      if (e instanceof ClientError && e.code === 'value_not_issued') return false;
      throw e;
    }
  }

  /** The last value handed out by a sequence, without moving it; undefined if it was never used. */
  async sequence(sequenceId: string): Promise<Sequence | undefined> {
    try {
      return await this.json<Sequence>('GET', `/sequences/${encodeURIComponent(sequenceId)}`, { idempotent: false });
    } catch (e) {
      if (e instanceof ClientError && e.code === 'sequence_not_found') return undefined;
      throw e;
    }
  }

  /** One page of sequences and their last values, in code point order (`next` when more follow). */
  sequences(page: { limit?: number; after?: string; prefix?: string } = {}): Promise<SequenceList> {
    const q = new URLSearchParams(Object.entries(page).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.json('GET', `/sequences${q ? `?${q}` : ''}`, { idempotent: false });
  }

  // Ledger sequences (docs/ledger.md): a retried reserve keeps its number through one idempotency key.
  /** Reserves the next number of a ledger sequence; confirm or void it before it expires. */
  reserve(sequenceId: string, options: TakeOptions & { ttl?: number; meta?: Record<string, unknown> } = {}): Promise<ReservedNumber> {
    const body = { ...(options.ttl === undefined ? {} : { ttl: options.ttl }), ...(options.meta === undefined ? {} : { meta: options.meta }) };
    return this.json('POST', `/reserve/${encodeURIComponent(sequenceId)}`, { ...options, body });
  }

  /** A reservation's record. */
  reservation(reservation: string): Promise<LedgerRecord> {
    return this.json('GET', `/reservations/${encodeURIComponent(reservation)}`, { idempotent: false });
  }

  /** Confirms a reservation (a retry with the same ref answers the same record). */
  confirm(reservation: string, options: { ref?: string; meta?: Record<string, unknown> } = {}): Promise<LedgerRecord> {
    return this.json('POST', `/reservations/${encodeURIComponent(reservation)}/confirm`, { body: options, idempotent: false });
  }

  /** Voids a reservation, with the reason its number was not used. */
  void(reservation: string, reason: string): Promise<LedgerRecord> {
    return this.json('POST', `/reservations/${encodeURIComponent(reservation)}/void`, { body: { reason }, idempotent: false });
  }

  /** Moves an open reservation's expiry to now + ttl seconds. */
  extend(reservation: string, ttl: number): Promise<LedgerRecord> {
    return this.json('POST', `/reservations/${encodeURIComponent(reservation)}/extend`, { body: { ttl }, idempotent: false });
  }

  /** What became of every number of a period of a ledger sequence (the current one by default). */
  gaps(sequenceId: string, period?: string): Promise<GapReport> {
    return this.json('GET', `/sequences/${encodeURIComponent(sequenceId)}/gaps${period === undefined ? '' : `?period=${encodeURIComponent(period)}`}`, { idempotent: false });
  }

  /** Moves a sequence forward so that its next value is lastValue + 1 (refused if it would move back). */
  setSequence(sequenceId: string, lastValue: number): Promise<Sequence> {
    return this.json('PUT', `/sequences/${encodeURIComponent(sequenceId)}`, { body: { last_value: lastValue }, idempotent: false });
  }

  // Lease pools: a number held while renewed (see `take-a-number lease run`).

  /** Creates a lease pool (or answers the same one): seconds for ttl and quarantine. */
  defineLeasePool(name: string, definition: { min: number; max: number; ttl: number; quarantine?: number }): Promise<LeasePool> {
    return this.json('PUT', `/lease-pools/${encodeURIComponent(name)}`, { body: definition, idempotent: false });
  }

  /** The lowest free number for `holder` (its own again while live); retried with one Idempotency-Key. */
  acquireLease(pool: string, holder: string, options: TakeOptions & { ttl?: number; meta?: Record<string, unknown> } = {}): Promise<LeaseGrant> {
    const body = { holder, ...(options.ttl === undefined ? {} : { ttl: options.ttl }), ...(options.meta === undefined ? {} : { meta: options.meta }) };
    return this.json('POST', `/lease-pools/${encodeURIComponent(pool)}/acquire`, { ...options, body });
  }

  /** Extends a live lease; a lost one throws ClientError with status 410 (code lease_lost) or 404 (lease_not_found). */
  renewLease(lease: string, ttl?: number): Promise<LeaseRenewed> {
    return this.json('POST', `/leases/${encodeURIComponent(lease)}/renew`, { body: ttl === undefined ? {} : { ttl }, idempotent: false });
  }

  /** Ends a lease; its number is free at once. */
  releaseLease(lease: string): Promise<LeaseReleased> {
    return this.json('POST', `/leases/${encodeURIComponent(lease)}/release`, { body: {}, idempotent: false });
  }

  leasePool(name: string): Promise<LeasePool> {
    return this.json('GET', `/lease-pools/${encodeURIComponent(name)}`, { idempotent: false });
  }
}
