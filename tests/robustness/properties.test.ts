// Property-based: arbitrary ids (any Unicode, percent-encoded, or raw bytes), query strings, headers, methods
// and bodies against the in-process app. Every response is a documented 2xx/4xx (never 5xx), every 4xx is a
// problem document, a 2xx hands out exactly the next values (dense, no repeat, idempotent replays repeat
// their first answer), a 4xx changes nothing, and afterwards both state copies hold exactly what the 2xx
// responses handed out.
import { expect } from 'chai';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { compareIds } from '../../src/ids.js';
import path from 'node:path';
import { domainSize } from '../../src/random/domain.js';
import { parseSnapshot } from '../../src/store/file/snapshot/format.js';
import { tempDir } from '../support/helpers.js';
import { openInProcess, type InProcess } from '../support/robustness.js';

const ALLOWED = [200, 400, 404, 405, 409, 413, 415, 422];

/** Percent-encodes every UTF-8 byte but [A-Za-z0-9_~-] (lone surrogates become U+FFFD, as in any UTF-8). */
const encode = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

const idArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', '__proto__', 'constructor', 'ü', '😀', '..') },
  { weight: 1, arbitrary: fc.constantFrom('A', 'hasOwnProperty', 'toString', '.', '%', ' ', 'random', 'sequences', 'x'.repeat(255), 'x'.repeat(256)) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 6 }) },
);
const rawIdArb = fc.oneof(
  { weight: 8, arbitrary: idArb.map(encode) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')) },
);
const some = <T>(arb: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight, arbitrary: arb });
const countArb = some(
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }).map(String) },
    { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -2, max: 12 }).map(String), fc.constantFrom('10000', '10001', '1e3', '', 'abc', '1.5', '007', '99999999999999999999', '0')) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 3 }) },
  ),
);
const typeArb = some(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('int', 'float', 'INT', 'Float') }, { weight: 1, arbitrary: fc.constantFrom('double', '') }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 4 }) }), 2);
const formatArb = some(fc.constantFrom('text', 'json', 'TEXT', 'xml', ''));
const acceptArb = some(fc.constantFrom('text/plain', 'application/json', '*/*', 'text/*', 'image/png', 'text/plain;q=0.1, application/json', 'garbage'));
const keyArb = some(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('k1', 'k2', 'k3') }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 4 }) }));
const junkArb = some(fc.dictionary(fc.constantFrom('foo', 'x', 'last_value', 'id'), fc.string({ unit: 'grapheme-ascii', maxLength: 4 }), { maxKeys: 2 }));
const bodyArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ last_value: fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 50 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(2 ** 53), fc.string({ maxLength: 3 })) }) }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(JSON.stringify({ last_value: 1, pad: 'x'.repeat(5000) })) },
);
const allocating = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 2, arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'PATCH') });

type Op =
  | { kind: 'next'; method: string; id: string; count?: string; format?: string; accept?: string; key?: string; junk?: Record<string, string> }
  | { kind: 'random'; method: string; type?: string; count?: string; format?: string; accept?: string; key?: string }
  | { kind: 'get'; id: string }
  | { kind: 'list' }
  | { kind: 'put'; method: string; id: string; body: string; contentType?: string }
  | { kind: 'path'; method: string; path: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('next' as const), method: allocating, id: rawIdArb, count: countArb, format: formatArb, accept: acceptArb, key: keyArb, junk: junkArb }, { requiredKeys: ['kind', 'method', 'id'] }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('random' as const), method: fc.oneof({ weight: 8, arbitrary: fc.constant('GET') }, { weight: 2, arbitrary: fc.constantFrom('POST', 'HEAD') }), type: typeArb, count: countArb, format: formatArb, accept: acceptArb, key: keyArb }, { requiredKeys: ['kind', 'method'] }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), id: rawIdArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'list' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), method: fc.oneof({ weight: 8, arbitrary: fc.constant('PUT') }, { weight: 2, arbitrary: fc.constantFrom('POST', 'DELETE') }), id: rawIdArb, body: bodyArb, contentType: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded') }) }, { requiredKeys: ['kind', 'method', 'id', 'body'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('path' as const), method: fc.constantFrom('GET', 'HEAD', 'DELETE', 'POST'), path: fc.webPath().filter((p) => p.startsWith('/') && !/^\/(next|random)/i.test(p)) }) },
);

const statuses = new Map<string, number>();

interface Model {
  seq: Map<string, number>;
  drawn: { int: number; float: number };
  values: { int: Set<string>; float: Set<string> };
  keys: Map<string, { fingerprint: string; values: string[] }>;
}

const query = (params: Record<string, string | undefined>): string => {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encode(v!)}`);
  return parts.length ? `?${parts.join('&')}` : '';
};

const decodedOrUndefined = (raw: string): string | undefined => {
  try {
    // New ids are stored in NFC (src/ids.ts): every form of one id names one sequence.
    return decodeURIComponent(raw).normalize('NFC');
  } catch {
    return undefined;
  }
};

async function apply(s: InProcess, m: Model, op: Op): Promise<void> {
  let req;
  let url = '';
  if (op.kind === 'next') url = `/next/${op.id}${query({ ...op.junk, count: op.count, format: op.format })}`;
  else if (op.kind === 'random') url = `/random${query({ type: op.type, count: op.count, format: op.format })}`;
  else if (op.kind === 'get' || op.kind === 'put') url = `/sequences/${op.id}`;
  else if (op.kind === 'list') url = '/sequences';
  else url = op.path;
  const method = 'method' in op ? op.method : 'GET';
  req = s.http[method.toLowerCase() as 'get'](url);
  if ((op.kind === 'next' || op.kind === 'random') && op.accept) req = req.set('Accept', op.accept);
  if ((op.kind === 'next' || op.kind === 'random') && op.key !== undefined) req = req.set('Idempotency-Key', op.key);
  if (op.kind === 'put') {
    if (op.contentType) req = req.set('Content-Type', op.contentType);
    req = req.send(op.body);
  }
  const res = await req;
  const tally = `${op.kind} ${res.status}`;
  statuses.set(tally, (statuses.get(tally) ?? 0) + 1);
  const where = `${method} ${url} → ${res.status} ${res.text?.slice(0, 200)}`;
  // The one documented 5xx: a draw larger than what is left of its pool (the float pool here holds 100 values).
  if (res.status === 503 && op.kind === 'random' && res.body?.code === 'random_exhausted') {
    const kind = (op.type ?? 'int').toLowerCase() as 'int' | 'float';
    const pool = await s.store.pool(kind);
    expect(m.drawn[kind] + Number(op.count ?? 1), where).to.be.greaterThan(domainSize(pool.domain));
  } else expect(ALLOWED, where).to.include(res.status);

  const before = JSON.stringify([[...m.seq].sort(), m.drawn]);
  if (res.status >= 400) {
    if (method !== 'HEAD') {
      expect(res.headers['content-type'], where).to.match(/^application\/problem\+json/);
      expect(res.body, where).to.include({ type: 'about:blank', status: res.status });
      expect(res.body.title, where).to.be.a('string');
      expect(res.body.detail, where).to.be.a('string');
      expect(res.body.code, where).to.match(/^[a-z]+(_[a-z]+)*$/);
    }
    if (res.status === 405) expect(res.headers.allow, where).to.be.a('string');
    if (res.status === 422) expect(m.keys.has((op as { key: string }).key), where).to.equal(true);
  } else if (op.kind === 'next') {
    const id = decodedOrUndefined(op.id)!;
    const n = op.count === undefined ? 1 : Number(op.count);
    const text = res.headers['content-type']?.startsWith('text/plain');
    let values: string[];
    if (text) values = res.text.trim().split('\n');
    else {
      expect(res.body.sequence_id, where).to.equal(id);
      const last = op.count === undefined ? res.body.next_value : res.body.last_value;
      if (op.count === undefined) expect(res.body, where).to.not.have.property('last_value');
      values = Array.from({ length: last - res.body.next_value + 1 }, (_, i) => String(res.body.next_value + i));
    }
    expect(values, where).to.have.length(n);
    const fingerprint = `next ${n} ${id}`;
    const replay = op.key ? m.keys.get(op.key) : undefined;
    if (replay) {
      expect(replay.fingerprint, where).to.equal(fingerprint);
      expect(values, where).to.deep.equal(replay.values);
    } else {
      // Dense: exactly the next values of this sequence.
      const current = m.seq.get(id) ?? 0;
      expect(values, where).to.deep.equal(Array.from({ length: n }, (_, i) => String(current + 1 + i)));
      m.seq.set(id, current + n);
      if (op.key) m.keys.set(op.key, { fingerprint, values });
    }
    return;
  } else if (op.kind === 'random') {
    const kind = (op.type ?? 'int').toLowerCase() as 'int' | 'float';
    const n = op.count === undefined ? 1 : Number(op.count);
    const text = res.headers['content-type']?.startsWith('text/plain');
    const values = text ? res.text.trim().split('\n') : (op.count === undefined ? [res.body.number] : res.body.numbers).map(String);
    expect(values, where).to.have.length(n);
    const fingerprint = `random ${kind} ${n}`;
    const replay = op.key ? m.keys.get(op.key) : undefined;
    if (replay) {
      expect(replay.fingerprint, where).to.equal(fingerprint);
      expect(values, where).to.deep.equal(replay.values);
    } else {
      for (const v of values) {
        expect(m.values[kind].has(v), `${where}: ${v} was handed out before`).to.equal(false);
        m.values[kind].add(v);
      }
      m.drawn[kind] += n;
      if (op.key) m.keys.set(op.key, { fingerprint, values });
    }
    return;
  } else if (op.kind === 'put') {
    const id = decodedOrUndefined(op.id)!;
    const asked = (JSON.parse(op.body) as { last_value: number }).last_value;
    const now = Math.max(m.seq.get(id) ?? 0, asked);
    expect(res.body, where).to.deep.equal({ sequence_id: id, last_value: now });
    m.seq.set(id, now);
    return;
  } else if (op.kind === 'get') {
    const id = decodedOrUndefined(op.id)!;
    expect(res.body, where).to.deep.equal({ sequence_id: id, last_value: m.seq.get(id) });
  } else if (op.kind === 'list') {
    const expected = [...m.seq].sort(([a], [b]) => compareIds(a, b)).map(([sequence_id, last_value]) => ({ sequence_id, last_value }));
    expect(res.body, where).to.deep.equal({ sequences: expected });
  }
  if (res.status === 404 && op.kind === 'get') expect(m.seq.has(decodedOrUndefined(op.id) ?? '\u0000'), where).to.equal(false);
  // Nothing else moves a counter.
  expect(JSON.stringify([[...m.seq].sort(), m.drawn]), where).to.equal(before);
  const list = await s.store.sequencePage();
  expect(list.map((e) => [e.id, e.last]).sort(), where).to.deep.equal([...m.seq].sort());
  expect((await s.store.pool('int')).drawn, where).to.equal(m.drawn.int);
  expect((await s.store.pool('float')).drawn, where).to.equal(m.drawn.float);
}

describe('robustness: property-based HTTP input', function () {
  this.timeout(60_000);

  it('any id, query, header, method and body: documented 2xx/4xx only, exact values, state file holds exactly what was handed out', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        runs++;
        const file = path.join(await tempDir(), 'sequences.json');
        const s = await openInProcess(file, { RANDOM_INT_MIN: '0', RANDOM_INT_MAX: '9007199254740991' });
        const m: Model = { seq: new Map(), drawn: { int: 0, float: 0 }, values: { int: new Set(), float: new Set() }, keys: new Map() };
        try {
          for (const op of ops) await apply(s, m, op);
        } finally {
          await s.store.close();
        }
        const primary = await readFile(file, 'utf8');
        expect(await readFile(`${file}.replica`, 'utf8')).to.equal(primary);
        // After a clean stop the snapshot alone holds the whole state, and the journal is empty.
        expect(await readFile(`${file}.journal`, 'utf8')).to.equal('');
        const { state } = parseSnapshot(Buffer.from(primary));
        expect([...state.sequences].sort()).to.deep.equal([...m.seq].sort());
        expect(state.pools.get('int')?.drawn).to.equal(m.drawn.int);
        expect(state.pools.get('float')?.drawn).to.equal(m.drawn.float);
      }),
      { numRuns: 150, endOnFailure: false },
    );
    expect(runs).to.be.at.least(150);
    console.log(`      (${[...statuses].sort().map(([k, v]) => `${k}: ${v}`).join(', ')})`);
    // The run reached both kinds of answer for every allocating route.
    for (const k of ['next 200', 'next 400', 'random 200', 'random 400', 'put 200', 'put 400', 'get 200', 'get 404']) expect(statuses.get(k) ?? 0, k).to.be.greaterThan(0);
  });
});
