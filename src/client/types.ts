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
  Problem: { type: true, title: true, status: true, detail: true, code: true } satisfies Keys<Problem>,
};
