// The stored form of a sequence's settings and periods: one JSON object, the same in the state file and
// in PostgreSQL's jsonb column, so migrate copies it as it is.
import { parseFormat } from './format.js';
import { canonicalTimeZone, RESETS, type Reset } from './period.js';
import { checkSettings } from './settings.js';
import type { SeriesState } from './sequence.js';

export interface SeriesJson {
  format?: string;
  reset: Reset;
  time_zone: string;
  max: number;
  ledger?: true;
  reservation_ttl?: number;
  /** Where the ledger starts: the first number it covers, and that number's period. */
  ledger_from?: { number: number; period?: string };
  period?: string;
  periods: Record<string, number>;
}

/** A fixed member order, so that the state file reads the same way every time. */
export function seriesToJson(s: SeriesState): SeriesJson {
  const { format, reset, time_zone, max, ledger, reservation_ttl } = s.settings;
  return {
    ...(format === undefined ? {} : { format }),
    reset,
    time_zone,
    max,
    ...(ledger === true ? { ledger } : {}),
    ...(reservation_ttl === undefined ? {} : { reservation_ttl }),
    ...(s.ledger_from === undefined ? {} : { ledger_from: { ...s.ledger_from } }),
    ...(s.period === undefined ? {} : { period: s.period }),
    periods: { ...s.periods },
  };
}

const PERIOD = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Reads a stored series; throws an Error saying what is wrong (the caller adds where). */
export function seriesFromJson(v: unknown): SeriesState {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('is not an object');
  const o = v as Record<string, unknown>;
  if (o.format !== undefined && typeof o.format !== 'string') throw new Error('format is not a string');
  if (!RESETS.includes(o.reset as Reset)) throw new Error('reset is unknown');
  if (typeof o.time_zone !== 'string' || canonicalTimeZone(o.time_zone) === undefined) throw new Error(`time_zone ${JSON.stringify(o.time_zone)} is unknown to this Node`);
  if (!isCount(o.max) || o.max < 1) throw new Error('max is not a positive safe integer');
  if (o.period !== undefined && (typeof o.period !== 'string' || !PERIOD.test(o.period))) throw new Error('period is malformed');
  if (typeof o.periods !== 'object' || o.periods === null || Array.isArray(o.periods)) throw new Error('periods is not an object');
  const periods: Record<string, number> = {};
  for (const [k, n] of Object.entries(o.periods as Record<string, unknown>)) {
    if (!PERIOD.test(k) || !isCount(n)) throw new Error(`periods[${JSON.stringify(k)}] is malformed`);
    periods[k] = n;
  }
  if (o.ledger !== undefined && o.ledger !== true) throw new Error('ledger is not true');
  if (o.reservation_ttl !== undefined && (!isCount(o.reservation_ttl) || o.reservation_ttl < 1)) throw new Error('reservation_ttl is not a positive safe integer');
  let ledgerFrom: SeriesState['ledger_from'];
  if (o.ledger_from !== undefined) {
    const f = o.ledger_from as Record<string, unknown>;
    if (typeof f !== 'object' || f === null || !isCount(f.number) || (f.period !== undefined && (typeof f.period !== 'string' || !PERIOD.test(f.period)))) throw new Error('ledger_from is malformed');
    ledgerFrom = { number: f.number, ...(f.period === undefined ? {} : { period: f.period as string }) };
  }
  const settings = {
    ...(o.format === undefined ? {} : { format: o.format as string }),
    reset: o.reset as Reset,
    time_zone: o.time_zone,
    max: o.max,
    ...(o.ledger === true ? { ledger: true } : {}),
    ...(o.reservation_ttl === undefined ? {} : { reservation_ttl: o.reservation_ttl as number }),
  };
  try {
    if (settings.format !== undefined) parseFormat(settings.format);
    checkSettings(settings);
  } catch (e) {
    throw new Error((e as Error).message);
  }
  return { settings, ...(ledgerFrom === undefined ? {} : { ledger_from: ledgerFrom }), ...(o.period === undefined ? {} : { period: o.period as string }), periods };
}
