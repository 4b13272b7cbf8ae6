// A ledger record read back from disk (journal section "ledger", the ledger file): every member checked.
import { idProblem } from '../../../ids.js';
import { LEDGER_STATES, type LedgerRecord, type LedgerState } from '../../../ledger/record.js';
import { count, fail, isObject } from '../validate.js';

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function textOrNull(v: unknown, where: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') return fail(`${where} is not text or null`);
  return v;
}

function timeOrNull(v: unknown, where: string): string | null {
  const t = textOrNull(v, where);
  if (t !== null && !TIME.test(t)) fail(`${where} is not an RFC 3339 UTC time`);
  return t;
}

export function ledgerRecord(v: unknown, where: string): LedgerRecord {
  if (!isObject(v)) return fail(`${where} is not an object`);
  const id = v.sequence_id;
  if (typeof id !== 'string' || idProblem(id)) fail(`${where}.sequence_id is not a sequence id`);
  if (!LEDGER_STATES.includes(v.state as LedgerState)) fail(`${where}.state is unknown`);
  if (v.meta !== null && !isObject(v.meta)) fail(`${where}.meta is not an object or null`);
  if (typeof v.late !== 'boolean') fail(`${where}.late is not a boolean`);
  if (typeof v.hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.hash)) fail(`${where}.hash is not 64 hex digits`);
  const number = count(v.number, `${where}.number`);
  const r: LedgerRecord = {
    sequence_id: id as string,
    number,
    period: textOrNull(v.period, `${where}.period`),
    formatted: textOrNull(v.formatted, `${where}.formatted`),
    state: v.state as LedgerState,
    reservation: textOrNull(v.reservation, `${where}.reservation`),
    reserved_at: timeOrNull(v.reserved_at, `${where}.reserved_at`),
    expires_at: timeOrNull(v.expires_at, `${where}.expires_at`),
    confirmed_at: timeOrNull(v.confirmed_at, `${where}.confirmed_at`),
    voided_at: timeOrNull(v.voided_at, `${where}.voided_at`),
    reason: textOrNull(v.reason, `${where}.reason`),
    ref: textOrNull(v.ref, `${where}.ref`),
    meta: v.meta as Record<string, unknown> | null,
    late: v.late as boolean,
    by: textOrNull(v.by, `${where}.by`),
    event: count(v.event, `${where}.event`),
    hash: v.hash as string,
  };
  if (v.through !== undefined) {
    r.through = count(v.through, `${where}.through`);
    if (r.through < number) fail(`${where}.through is below its number`);
  }
  if (r.event === 0) fail(`${where}.event is 0`);
  return r;
}
