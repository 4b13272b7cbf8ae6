// The period of an instant in an IANA time zone: "2026" (yearly), "2026-11" (monthly), "2026-11-30" (daily).
import type { IssueDate } from './format.js';

export type Reset = 'never' | 'yearly' | 'monthly' | 'daily';
export const RESETS: readonly Reset[] = ['never', 'yearly', 'monthly', 'daily'];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-US with numeric parts and the ISO calendar; h23 keeps midnight from printing as 24.
    f = new Intl.DateTimeFormat('en-US', { timeZone, calendar: 'iso8601', numberingSystem: 'latn', year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical name of an IANA time zone ("utc" -> "UTC"), or undefined if Node does not know it. */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.length === 0 || name.length > 64) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The calendar date of `instant` (epoch ms) in `timeZone`. */
export function dateAt(instant: number, timeZone: string): IssueDate {
  const date: IssueDate = { year: 0, month: 0, day: 0 };
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type === 'year') date.year = Number(p.value);
    else if (p.type === 'month') date.month = Number(p.value);
    else if (p.type === 'day') date.day = Number(p.value);
  }
  return date;
}

const two = (v: number): string => String(v).padStart(2, '0');

/** The period key of a date; undefined for a sequence that never resets. */
export function periodOf(date: IssueDate, reset: Reset): string | undefined {
  const year = String(date.year).padStart(4, '0');
  if (reset === 'yearly') return year;
  if (reset === 'monthly') return `${year}-${two(date.month)}`;
  if (reset === 'daily') return `${year}-${two(date.month)}-${two(date.day)}`;
  return undefined;
}

/** The first day of a period key. */
export function periodStart(period: string): IssueDate {
  const [y, m, d] = period.split('-').map(Number);
  return { year: y!, month: m ?? 1, day: d ?? 1 };
}

/** Orders period keys of one reset kind (fixed-width, so text order is time order). */
export const comparePeriods = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
