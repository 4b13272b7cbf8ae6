// Duplicate ids in a file without a checksum (hand-edited), in any layout: JSON.parse keeps the last of them,
// so the object's text is walked member by member and the highest value of each id is kept.

/** Where the JSON value at `at` ends (the text is valid JSON: JSON.parse read it). */
function skipValue(text: string, at: number): number {
  let i = skipSpace(text, at);
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text[i];
      if (d === '"') i = skipString(text, i) - 1;
      else if (d === '{' || d === '[') depth++;
      else if ((d === '}' || d === ']') && --depth === 0) return i + 1;
    }
    return i;
  }
  while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
  return i;
}

function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** Every member of the object at `at`: its key, and where its value starts and ends. */
function* members(text: string, at: number): Generator<{ key: string; start: number; end: number }> {
  let i = skipSpace(text, at);
  if (text[i] !== '{') return;
  i = skipSpace(text, i + 1);
  while (text[i] === '"') {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    if (text[i] !== ':') return;
    const start = skipSpace(text, i + 1);
    const end = skipValue(text, start);
    yield { key, start, end };
    i = skipSpace(text, end);
    if (text[i] !== ',') return;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The highest number of every key of an object in valid JSON text: the top-level object itself, or the
 * object under its top-level member `member`. Keys whose values are not numbers are left out.
 */
export function highestNumbers(text: string, member?: string): Map<string, number> {
  let at = 0;
  if (member !== undefined) {
    let found: number | undefined;
    // A repeated top-level member: JSON.parse took the last one, and so does this.
    for (const m of members(text, 0)) if (m.key === member) found = m.start;
    if (found === undefined) return new Map();
    at = found;
  }
  const out = new Map<string, number>();
  for (const m of members(text, at)) {
    const raw = text.slice(m.start, m.end);
    if (!/^-?\d/.test(raw)) continue;
    const v = Number(raw);
    if (!(v <= (out.get(m.key) ?? -Infinity))) out.set(m.key, v);
  }
  return out;
}
