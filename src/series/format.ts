// Sequence formats: "INV-{YYYY}-{n:05}" parsed once into parts, checked, and rendered per value.
import { ServiceError } from '../errors.js';
import { luhnCheckDigit } from '../random/luhn.js';

export type Field = 'YYYY' | 'YY' | 'MM' | 'DD';
export type Part = { kind: 'text'; text: string } | { kind: 'n'; width: number } | { kind: 'check' } | { kind: 'date'; field: Field };

/** The calendar date of issue, in the sequence's time zone. */
export interface IssueDate {
  year: number;
  month: number;
  day: number;
}

const MAX_FORMAT_LENGTH = 200;
// 2^53 − 1 has 16 digits: a wider pad could only add zeros.
export const MAX_WIDTH = 16;

const invalid = (why: string): never => {
  throw new ServiceError('invalid_settings', `format: ${why}`);
};

/**
 * Parses a format. `{` and `}` only open and close placeholders; `{{` and `}}` are literal braces, so a
 * mistyped placeholder is refused instead of printed.
 */
export function parseFormat(format: string): Part[] {
  if (format.length === 0 || format.length > MAX_FORMAT_LENGTH) invalid(`must be 1-${MAX_FORMAT_LENGTH} characters`);
  if (/[\p{Cc}\p{Cf}]/u.test(format) || !format.isWellFormed()) invalid('contains a control or invisible formatting character');
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if ((c === '{' || c === '}') && format[i + 1] === c) {
      text += c;
      i++;
      continue;
    }
    if (c === '}') invalid(`a "}" at position ${i + 1} closes nothing (write "}}" for a literal brace)`);
    if (c !== '{') {
      text += c;
      continue;
    }
    const end = format.indexOf('}', i);
    if (end < 0) invalid(`the "{" at position ${i + 1} is never closed (write "{{" for a literal brace)`);
    const name = format.slice(i + 1, end);
    let part: Part;
    const padded = /^n:0(\d{1,2})$/.exec(name);
    if (name === 'n') part = { kind: 'n', width: 0 };
    else if (padded) {
      const width = Number(padded[1]);
      if (width < 1 || width > MAX_WIDTH) invalid(`{${name}}: the width must be 1-${MAX_WIDTH}`);
      part = { kind: 'n', width };
    } else if (name === 'check') part = { kind: 'check' };
    else if (name === 'YYYY' || name === 'YY' || name === 'MM' || name === 'DD') part = { kind: 'date', field: name };
    else part = invalid(`unknown placeholder {${name}}; the placeholders are {n}, {n:0W}, {YYYY}, {YY}, {MM}, {DD} and {check}`);
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push(part);
    i = end;
  }
  if (text) parts.push({ kind: 'text', text });
  // Without the value every id of a period would be the same text.
  if (!parts.some((p) => p.kind === 'n')) invalid('must contain {n} or {n:0W}, the value');
  return parts;
}

/** The date fields a format prints. */
export const fieldsOf = (parts: readonly Part[]): Set<Field> => new Set(parts.flatMap((p) => (p.kind === 'date' ? [p.field] : [])));

/** The Luhn check digit of `value` (Luhn mod 10 over its decimal digits). */
export const luhnDigit = (value: number): number => luhnCheckDigit(Array.from(String(value), Number), 10);

const pad = (v: number, width: number): string => String(v).padStart(width, '0');

/** The formatted id of `value` issued on `date`. */
export function render(parts: readonly Part[], value: number, date: IssueDate): string {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'n') out += p.width === 0 ? String(value) : pad(value, p.width);
    else if (p.kind === 'check') out += String(luhnDigit(value));
    else if (p.field === 'YYYY') out += pad(date.year, 4);
    else if (p.field === 'YY') out += pad(date.year % 100, 2);
    else if (p.field === 'MM') out += pad(date.month, 2);
    else out += pad(date.day, 2);
  }
  return out;
}

/** The formatted ids of first..last. */
export function renderRange(format: string, first: number, last: number, date: IssueDate): string[] {
  const parts = parseFormat(format);
  const out = new Array<string>(last - first + 1);
  for (let v = first; v <= last; v++) out[v - first] = render(parts, v, date);
  return out;
}
