// The settings of a sequence (format, reset, time_zone, max): reading them from a request body, checking
// them, and which changes are refused once values were handed out.
import { ServiceError } from '../errors.js';
import { fieldsOf, parseFormat } from './format.js';
import { canonicalTimeZone, RESETS, type Reset } from './period.js';

/** The longest reservation time, seconds (a week). */
export const MAX_RESERVATION_TTL = 604_800;

export interface Settings {
  format?: string;
  reset: Reset;
  time_zone: string;
  max: number;
  /** Keeps a ledger of every number (never turned off once on). */
  ledger?: boolean;
  /** Seconds a reservation lasts unless the request says otherwise (ledger sequences). */
  reservation_ttl?: number;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = { reset: 'never', time_zone: 'UTC', max: Number.MAX_SAFE_INTEGER };

/** What a PUT /sequences/:id body asks for: a new last value, changed settings, or both. */
export interface ConfigureInput {
  last?: number;
  settings?: Partial<Settings>;
}

const KEYS = new Set(['last_value', 'format', 'reset', 'time_zone', 'max', 'ledger', 'reservation_ttl']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `{"last_value"?, "format"?, "reset"?, "time_zone"?, "max"?}`; refuses anything else. */
export function parseConfigureBody(body: unknown): ConfigureInput {
  if (!isObject(body) || ![...KEYS].some((k) => k in body))
    throw new ServiceError('invalid_body', 'send a JSON object with "last_value" and/or settings ("format", "reset", "time_zone", "max") and Content-Type: application/json');
  const unknown = Object.keys(body).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new ServiceError('invalid_body', `unknown member ${JSON.stringify(unknown[0]!.slice(0, 40))}; the members are ${[...KEYS].join(', ')}`);
  const input: ConfigureInput = {};
  if ('last_value' in body) {
    const v = body.last_value;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ServiceError('invalid_value', `last_value must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
    input.last = v;
  }
  const settings: Partial<Settings> = {};
  if ('format' in body) {
    if (typeof body.format !== 'string') throw new ServiceError('invalid_settings', 'format must be a string such as "INV-{YYYY}-{n:05}"');
    parseFormat(body.format);
    settings.format = body.format;
  }
  if ('reset' in body) {
    if (typeof body.reset !== 'string' || !RESETS.includes(body.reset as Reset)) throw new ServiceError('invalid_settings', `reset must be one of ${RESETS.join(', ')}`);
    settings.reset = body.reset as Reset;
  }
  if ('time_zone' in body) {
    const zone = typeof body.time_zone === 'string' ? canonicalTimeZone(body.time_zone) : undefined;
    if (zone === undefined) throw new ServiceError('invalid_settings', `time_zone must be an IANA time zone name such as "Europe/Berlin", got ${JSON.stringify(body.time_zone)?.slice(0, 70)}`);
    settings.time_zone = zone;
  }
  if ('max' in body) {
    const v = body.max;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new ServiceError('invalid_settings', `max must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}`);
    settings.max = v;
  }
  if ('ledger' in body) {
    if (typeof body.ledger !== 'boolean') throw new ServiceError('invalid_settings', 'ledger must be true (a ledger is never turned off)');
    settings.ledger = body.ledger;
  }
  if ('reservation_ttl' in body) {
    const v = body.reservation_ttl;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_RESERVATION_TTL)
      throw new ServiceError('invalid_settings', `reservation_ttl must be a whole number of seconds from 1 to ${MAX_RESERVATION_TTL}`);
    settings.reservation_ttl = v;
  }
  if (Object.keys(settings).length > 0) input.settings = settings;
  return input;
}

const PERIOD_FIELDS: Record<Exclude<Reset, 'never'>, string[][]> = {
  yearly: [['YYYY', 'YY']],
  monthly: [['YYYY', 'YY'], ['MM']],
  daily: [['YYYY', 'YY'], ['MM'], ['DD']],
};

/** Refuses settings under which two formatted ids could be equal. */
export function checkSettings(s: Settings): void {
  if (s.reservation_ttl !== undefined && s.ledger !== true)
    throw new ServiceError('invalid_settings', 'reservation_ttl belongs to a ledger: send it with "ledger": true');
  if (s.reset === 'never') {
    if (s.format !== undefined) parseFormat(s.format);
    return;
  }
  if (s.format === undefined)
    throw new ServiceError('invalid_settings', `a sequence with reset "${s.reset}" starts again at 1 every period: it needs a format that prints the period, e.g. "INV-{YYYY}-{n:05}"`);
  const fields = fieldsOf(parseFormat(s.format));
  for (const anyOf of PERIOD_FIELDS[s.reset])
    if (!anyOf.some((f) => fields.has(f as never)))
      throw new ServiceError(
        'invalid_settings',
        `reset "${s.reset}" starts again at 1 every period, so the format must print the period: it lacks ${anyOf.map((f) => `{${f}}`).join(' or ')}, and two ids could be equal`,
      );
}

/** Whether settings differ from the defaults (a plain sequence stores none). */
export const isPlain = (s: Settings): boolean =>
  s.format === undefined && s.reset === 'never' && s.time_zone === DEFAULT_SETTINGS.time_zone && s.max === DEFAULT_SETTINGS.max && s.ledger !== true && s.reservation_ttl === undefined;

/** A ledger is never turned off: its records would stop saying what became of every number. */
export function checkLedgerKept(id: string, before: Settings | undefined, after: Settings): void {
  if (before?.ledger === true && after.ledger !== true)
    throw new ServiceError('settings_fixed', `sequence "${id}" keeps a ledger; a ledger is never turned off (use a new sequence id for numbers without one)`, { ledger: true });
}

/**
 * Refuses a change that could repeat a formatted id once the sequence handed out values under settings:
 * format, reset and time_zone are fixed then; max may rise, and fall no lower than the last value.
 */
export function checkChange(id: string, before: Settings | undefined, after: Settings, used: boolean, last: number): void {
  if (after.max < last)
    throw new ServiceError('settings_fixed', `sequence "${id}" is already at ${last} in this period; max cannot be below it`, { last_value: last });
  checkLedgerKept(id, before, after);
  if (!used || before === undefined) return;
  for (const key of ['format', 'reset', 'time_zone'] as const)
    if (before[key] !== after[key])
      throw new ServiceError(
        'settings_fixed',
        `sequence "${id}" has handed out values with ${key} ${JSON.stringify(before[key] ?? null)}; changing it could repeat a formatted id (use a new sequence id for a new numbering)`,
        { [key]: before[key] ?? null },
      );
}
