// The pure state machine of one sequence with settings: which period it is in, what the next values are,
// and what a PUT does. The stores keep the state and call these; no I/O here.
import { ServiceError } from '../errors.js';
import type { IssueDate } from './format.js';
import { comparePeriods, dateAt, periodOf, periodStart } from './period.js';
import { checkChange, checkLedgerKept, checkSettings, DEFAULT_SETTINGS, isPlain, type ConfigureInput, type Settings } from './settings.js';

/** Seconds a reservation lasts when neither the sequence nor the request says. */
export const DEFAULT_RESERVATION_TTL = 900;

/** What a store keeps beside the value of a sequence that has settings. */
export interface SeriesState {
  settings: Settings;
  /** The latest period the sequence has been in; undefined for reset "never" or before the first value. */
  period?: string;
  /** The last value of each earlier period. Treated as immutable: a rollover makes a new object. */
  periods: Readonly<Record<string, number>>;
  /** Set when the ledger was turned on: the first number it covers, in that period. */
  ledger_from?: { number: number; period?: string };
}

/** A sequence as a store holds it: `last` is the last value of the current period. */
export interface SequenceState {
  last: number;
  series?: SeriesState;
}

export interface Rolled {
  state: SequenceState;
  /** The period values are issued in now (undefined for reset "never"). */
  period?: string;
  /** The date printed in formatted ids. */
  date: IssueDate;
  /** Set when the clock is in an earlier period than the sequence: it stays in its own and the store logs it. */
  behind?: { clock: string; stored: string };
}

export interface Allocation extends Rolled {
  first: number;
  last: number;
}

/** Moves the state into the clock's period if the clock has passed its own; never back. */
export function roll(state: SequenceState, now: number): Rolled {
  const series = state.series;
  const clock = dateAt(now, series?.settings.time_zone ?? 'UTC');
  if (!series || series.settings.reset === 'never') return { state, date: clock };
  const clockPeriod = periodOf(clock, series.settings.reset)!;
  const stored = series.period;
  if (stored === undefined) return { state: { last: state.last, series: { ...series, period: clockPeriod } }, period: clockPeriod, date: clock };
  const order = comparePeriods(clockPeriod, stored);
  if (order === 0) return { state, period: stored, date: clock };
  if (order < 0) return { state, period: stored, date: periodStart(stored), behind: { clock: clockPeriod, stored } };
  const periods = state.last > 0 ? { ...series.periods, [stored]: state.last } : series.periods;
  return { state: { last: 0, series: { ...series, period: clockPeriod, periods } }, period: clockPeriod, date: clock };
}

/** Hands out `count` values at instant `now`: the new state and the values, or sequence_exhausted past max. */
export function allocate(id: string, state: SequenceState, now: number, count: number): Allocation {
  const rolled = roll(state, now);
  const last = rolled.state.last;
  const max = rolled.state.series?.settings.max ?? Number.MAX_SAFE_INTEGER;
  if (last + count > max)
    throw new ServiceError(
      'sequence_exhausted',
      `sequence "${id}" is at ${last}${rolled.period === undefined ? '' : ` in period ${rolled.period}`}; ${count} more would pass its max ${max}`,
      { last_value: last, max, ...(rolled.period === undefined ? {} : { period: rolled.period }) },
    );
  return { ...rolled, state: { ...rolled.state, last: last + count }, first: last + 1, last: last + count };
}

/** Applies a PUT: checks the settings and the change, rolls into the clock's period, then moves the value forward. */
export function configure(id: string, current: SequenceState | undefined, input: ConfigureInput, now: number): Rolled {
  const before = current?.series?.settings;
  const settings: Settings = { ...DEFAULT_SETTINGS, ...before, ...input.settings };
  checkLedgerKept(id, before, settings);
  checkSettings(settings);
  const used = current !== undefined && (current.last > 0 || Object.keys(current.series?.periods ?? {}).length > 0);
  const base: SequenceState = { last: current?.last ?? 0 };
  if (!isPlain(settings))
    base.series = { settings, period: current?.series?.period, periods: current?.series?.periods ?? {}, ...(current?.series?.ledger_from ? { ledger_from: current.series.ledger_from } : {}) };
  // A reset changed before any value leaves no period of the old kind behind.
  if (base.series && before && before.reset !== settings.reset) base.series.period = undefined;
  const rolled = roll(base, now);
  const last = rolled.state.last;
  checkChange(id, before, settings, used, last);
  let out = rolled;
  if (input.last !== undefined) {
    if (input.last < last) throw new ServiceError('value_behind', `sequence "${id}" is already at ${last}; it only moves forward`, { last_value: last });
    if (input.last > settings.max) throw new ServiceError('invalid_value', `last_value ${input.last} is above the sequence's max ${settings.max}`);
    out = { ...rolled, state: { ...rolled.state, last: input.last } };
  }
  // The ledger starts at the next value (after a last_value sent with it).
  const series = out.state.series;
  if (series && settings.ledger === true && series.ledger_from === undefined)
    out = { ...out, state: { ...out.state, series: { ...series, ledger_from: { number: out.state.last + 1, ...(out.period === undefined ? {} : { period: out.period }) } } } };
  return out;
}

/** Whether `mine` is at or past `disk` (same period and value at least, or a later period). */
export function atOrAhead(mine: SequenceState | undefined, disk: SequenceState): boolean {
  if (!mine) return false;
  const a = mine.series?.period;
  const b = disk.series?.period;
  if (a !== undefined && b !== undefined && a !== b) return comparePeriods(a, b) > 0;
  if (a === undefined && b !== undefined) return false;
  return mine.last >= disk.last;
}

/** The JSON view of a sequence for GET and PUT /sequences/:id. */
export function describe(id: string, rolled: Rolled): Record<string, unknown> {
  const { state } = rolled;
  if (!state.series) return { sequence_id: id, last_value: state.last };
  const s = state.series.settings;
  const view: Record<string, unknown> = { sequence_id: id, last_value: state.last };
  if (s.format !== undefined) view.format = s.format;
  view.reset = s.reset;
  view.time_zone = s.time_zone;
  view.max = s.max;
  if (s.ledger === true) {
    view.ledger = true;
    view.reservation_ttl = s.reservation_ttl ?? DEFAULT_RESERVATION_TTL;
    const from = state.series.ledger_from;
    if (from) {
      view.ledger_from = from.number;
      if (from.period !== undefined) view.ledger_from_period = from.period;
    }
  }
  if (rolled.period !== undefined) {
    view.period = rolled.period;
    view.periods = { ...state.series.periods, [rolled.period]: state.last };
  }
  return view;
}
