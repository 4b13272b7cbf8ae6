// Scope globs matched without backtracking: `*` (any run of characters), `?` (one), `[a-z]`/`[!a]` (one of or
// none of), `{a,b}` (alternatives) and `\` (the next character as is). A regular expression built from a glob
// backtracks: several `*` against a long name took seconds, some never ended. Each alternative here is matched
// by the two-pointer algorithm (at most name × pattern steps), and names past the id limit are never matched.
import { MAX_ID_LENGTH } from '../ids.js';

export const MAX_GLOB_LENGTH = 255;
export const MAX_ALTERNATIVES = 64;

type Token = { kind: 'char'; cp: number } | { kind: 'one' } | { kind: 'star' } | { kind: 'set'; ranges: [number, number][]; negated: boolean };

/** A glob that cannot be used; the message says why. */
export class GlobError extends Error {}

/** The glob's alternatives with `{…}` expanded (each a list of code points marked as literal or special). */
function expand(points: readonly string[]): string[][] {
  // The first top-level group is expanded, then each result again (nested and later groups).
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const c = points[i]!;
    if (c === '\\') i++;
    else if (c === '[') while (i + 1 < points.length && points[++i] !== ']');
    else if (c === '{') {
      if (depth++ === 0) open = i;
    } else if (c === ',' && depth === 1) commas.push(i);
    else if (c === '}' && depth > 0 && --depth === 0) {
      const cuts = [open, ...commas, i];
      const before = points.slice(0, open);
      const after = points.slice(i + 1);
      const out: string[][] = [];
      for (let k = 0; k + 1 < cuts.length; k++) {
        for (const tail of expand([...before, ...points.slice(cuts[k]! + 1, cuts[k + 1]!), ...after])) {
          out.push(tail);
          if (out.length > MAX_ALTERNATIVES) throw new GlobError(`it has more than ${MAX_ALTERNATIVES} alternatives`);
        }
      }
      return out;
    }
  }
  if (depth > 0) throw new GlobError('a "{" is not closed');
  return [points.slice()];
}

function tokens(points: readonly string[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < points.length; i++) {
    const c = points[i]!;
    if (c === '\\') {
      if (i + 1 >= points.length) throw new GlobError('it ends with "\\"');
      out.push({ kind: 'char', cp: points[++i]!.codePointAt(0)! });
    } else if (c === '*') {
      // Consecutive stars match what one does.
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'one' });
    else if (c === '[') {
      let j = i + 1;
      const negated = points[j] === '!' || points[j] === '^';
      if (negated) j++;
      const ranges: [number, number][] = [];
      for (; j < points.length && (points[j] !== ']' || ranges.length === 0); j++) {
        const lo = points[j]!.codePointAt(0)!;
        if (points[j + 1] === '-' && j + 2 < points.length && points[j + 2] !== ']') {
          ranges.push([lo, points[j + 2]!.codePointAt(0)!]);
          j += 2;
        } else ranges.push([lo, lo]);
      }
      if (j >= points.length) throw new GlobError('a "[" is not closed');
      out.push({ kind: 'set', ranges, negated });
      i = j;
    } else out.push({ kind: 'char', cp: c.codePointAt(0)! });
  }
  return out;
}

const fits = (t: Token, cp: number): boolean =>
  t.kind === 'one' || (t.kind === 'char' ? t.cp === cp : t.kind === 'set' && t.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== t.negated);

/** Greedy two pointers: on a mismatch, the last `*` takes one more character; earlier stars never need to. */
function matchOne(p: readonly Token[], name: readonly number[]): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (i < name.length) {
    const t = p[j];
    if (t !== undefined && t.kind === 'star') {
      star = j++;
      resume = i;
    } else if (t !== undefined && fits(t, name[i]!)) {
      i++;
      j++;
    } else if (star >= 0) {
      j = star + 1;
      i = ++resume;
    } else return false;
  }
  while (j < p.length && p[j]!.kind === 'star') j++;
  return j === p.length;
}

/** Compiles a scope glob; throws GlobError when it cannot be used. */
export function compileGlob(glob: string): (name: string) => boolean {
  const points = [...glob];
  if (points.length === 0) throw new GlobError('it is empty');
  if (points.length > MAX_GLOB_LENGTH) throw new GlobError(`it is ${points.length} characters long; at most ${MAX_GLOB_LENGTH} are allowed`);
  const alternatives = expand(points).map(tokens);
  return (name) => {
    // Checked before matching: nothing longer can name a sequence or a pool.
    if (name.length > 2 * MAX_ID_LENGTH) return false;
    const cps = Array.from(name, (c) => c.codePointAt(0)!);
    if (cps.length > MAX_ID_LENGTH) return false;
    return alternatives.some((a) => matchOne(a, cps));
  };
}
