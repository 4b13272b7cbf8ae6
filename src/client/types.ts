// The answers of the HTTP API as TypeScript types. Each KEYS object lists a type's members (true = always
// present); tests/client/openapi-types.test.ts checks them against the schemas of /openapi.json.

export interface NextValue {
  sequence_id: string;
  next_value: number;
  /** Only with count: the last of the reserved consecutive values. */
  last_value?: number;
  /** Only for a sequence that resets: the period the values belong to. */
  period?: string;
  /** Only for a sequence with a format: the formatted id, or with count the array of them. */
  formatted?: string | string[];
}

export interface Sequence {
  sequence_id: string;
  last_value: number;
}

export interface SequenceList {
  sequences: Sequence[];
  /** Present when more follow: pass it as `after` for the next page. */
  next?: string;
}

export interface RandomNumber {
  number: number;
}

export interface RandomNumbers {
  numbers: number[];
}

/** A value of a code pool. */
export interface RandomCode {
  code: string;
}

export interface RandomCodes {
  codes: string[];
}

/** The answer for a value that was handed out (a value that was not is a 404 value_not_issued). */
export interface Issued {
  pool: string;
  value: number | string;
  issued: true;
}

/** A lease of a lease pool (POST /lease-pools/:name/acquire). */
export interface LeaseGrant {
  pool: string;
  number: number;
  /** The id to renew and release it with. */
  lease: string;
  /** Send it with every write to the resource the number guards. */
  fence: number;
  holder: string;
  expires_at: string;
  renew_every_s: number;
  meta?: Record<string, unknown>;
}

export interface LeaseRenewed {
  pool: string;
  number: number;
  fence: number;
  expires_at: string;
  renew_every_s: number;
}

export interface LeaseReleased {
  pool: string;
  number: number;
  released: boolean;
}

export interface LeasePool {
  pool: string;
  definition: { min: number; max: number; ttl: number; quarantine: number };
  size: number;
  leased: number;
  quarantined: number;
  free: number;
  fence: number;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

type Keys<T> = { [K in keyof Required<T>]: undefined extends T[K] ? false : true };

/** The schema name in the OpenAPI document → the members of the type, true where required. */
export const SCHEMA_KEYS = {
  NextValue: { sequence_id: true, next_value: true, last_value: false, period: false, formatted: false } satisfies Keys<NextValue>,
  Sequence: { sequence_id: true, last_value: true } satisfies Keys<Sequence>,
  SequenceList: { sequences: true, next: false } satisfies Keys<SequenceList>,
  RandomNumber: { number: true } satisfies Keys<RandomNumber>,
  RandomNumbers: { numbers: true } satisfies Keys<RandomNumbers>,
  RandomCode: { code: true } satisfies Keys<RandomCode>,
  RandomCodes: { codes: true } satisfies Keys<RandomCodes>,
  Issued: { pool: true, value: true, issued: true } satisfies Keys<Issued>,
  LeaseGrant: { pool: true, number: true, lease: true, fence: true, holder: true, expires_at: true, renew_every_s: true, meta: false } satisfies Keys<LeaseGrant>,
  LeaseRenewed: { pool: true, number: true, fence: true, expires_at: true, renew_every_s: true } satisfies Keys<LeaseRenewed>,
  LeaseReleased: { pool: true, number: true, released: true } satisfies Keys<LeaseReleased>,
  LeasePool: { pool: true, definition: true, size: true, leased: true, quarantined: true, free: true, fence: true } satisfies Keys<LeasePool>,
  Problem: { type: true, title: true, status: true, detail: true, code: true } satisfies Keys<Problem>,
};
