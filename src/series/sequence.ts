// The pure state machine of one sequence with settings: which period it is in, what the next values are,
// and what a PUT does. The stores keep the state and call these; no I/O here.
import { ServiceError } from '../errors.js';
import type { IssueDate } from './format.js';
import { comparePeriods, dateAt, periodOf, periodStart } from './period.js';
import { checkChange, checkSettings, DEFAULT_SETTINGS, isPlain, type ConfigureInput, type Settings } from './settings.js';

/** What a store keeps beside the value of a sequence that has settings. */
export interface SeriesState {
  settings: Settings;
  /** The latest period the sequence has been in; undefined for reset "never" or before the first value. */
  period?: string;
  /** The last value of each earlier period. Treated as immutable: a rollover makes a new object. */
  periods: Readonly<Record<string, number>>;
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
  checkSettings(settings);
  const used = current !== undefined && (current.last > 0 || Object.keys(current.series?.periods ?? {}).length > 0);
  const base: SequenceState = { last: current?.last ?? 0 };
  if (!isPlain(settings)) base.series = { settings, period: current?.series?.period, periods: current?.series?.periods ?? {} };
  // A reset changed before any value leaves no period of the old kind behind.
  if (base.series && before && before.reset !== settings.reset) base.series.period = undefined;
  const rolled = roll(base, now);
  const last = rolled.state.last;
  checkChange(id, before, settings, used, last);
  if (input.last === undefined) return rolled;
  if (input.last < last) throw new ServiceError('value_behind', `sequence "${id}" is already at ${last}; it only moves forward`, { last_value: last });
  if (input.last > settings.max) throw new ServiceError('invalid_value', `last_value ${input.last} is above the sequence's max ${settings.max}`);
  return { ...rolled, state: { ...rolled.state, last: input.last } };
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
  if (rolled.period !== undefined) {
    view.period = rolled.period;
    view.periods = { ...state.series.periods, [rolled.period]: state.last };
  }
  return view;
}
