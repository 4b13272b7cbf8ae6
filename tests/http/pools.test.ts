// Named pools over HTTP: PUT/GET /pools, GET|POST /random/:name, GET /pools/:name/values/:value.
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { startServerProcess, tempDir } from '../support/helpers.js';
import { expectProblem, serveFile, servedPerTest } from '../support/app.js';

type Def = Record<string, unknown>;

/** Wikipedia's Luhn mod N generator over alphabet positions, written apart from src/random/luhn.ts. */
function checkChar(alphabet: string, body: string): string {
  const n = alphabet.length;
  let sum = 0;
  [...body].reverse().forEach((c, i) => {
    const a = (i % 2 === 0 ? 2 : 1) * alphabet.indexOf(c);
    sum += Math.floor(a / n) + (a % n);
  });
  return alphabet[(n - (sum % n)) % n]!;
}

/** Every value of a pool as the service writes it (JSON text for numbers, the string for codes), computed independently. */
function domainOf(def: Def): string[] {
  if (def.type === 'int') return Array.from({ length: (def.max as number) - (def.min as number) + 1 }, (_, i) => String((def.min as number) + i));
  if (def.type === 'float') {
    const scale = 10 ** (def.decimals as number);
    const out: string[] = [];
    for (let k = Math.round((def.min as number) * scale); k < Math.round((def.max as number) * scale); k++) {
      const abs = String(Math.abs(k)).padStart((def.decimals as number) + 1, '0');
      out.push(`${k < 0 ? '-' : ''}${abs.slice(0, -(def.decimals as number))}.${abs.slice(-(def.decimals as number))}`);
    }
    return out;
  }
  const alphabet = def.alphabet as string;
  let bodies = [''];
  for (let i = 0; i < (def.length as number); i++) bodies = bodies.flatMap((b) => [...alphabet].map((c) => b + c));
  return bodies.map((b) => `${(def.prefix as string | undefined) ?? ''}${b}${def.check === true ? checkChar(alphabet, b) : ''}`);
}

/** The values of a /random/:name answer, as text (numbers as their JSON tokens, codes as strings). */
function valuesOf(text: string): string[] {
  const body = JSON.parse(text) as Record<string, unknown>;
  if ('codes' in body) return body.codes as string[];
  if ('code' in body) return [body.code as string];
  const m = /^\{"numbers?":\[?(.*?)\]?\}$/.exec(text);
  return m![1]!.split(',');
}

const SMALL: [string, Def][] = [
  ['ints', { type: 'int', min: -3, max: 4 }],
  ['floats', { type: 'float', min: -0.02, max: 0.03, decimals: 2 }],
  ['codes-1', { type: 'code', alphabet: 'xyz', length: 1 }],
  ['codes-2-prefix', { type: 'code', alphabet: 'xyz', length: 2, prefix: 'P-' }],
  ['codes-3', { type: 'code', alphabet: 'xyz', length: 3 }],
  ['checked-1', { type: 'code', alphabet: 'ab', length: 1, check: true }],
  ['checked-2', { type: 'code', alphabet: '0123', length: 2, check: true }],
  ['checked-3-prefix', { type: 'code', alphabet: '0123', length: 3, prefix: 'C', check: true }],
  ['checked-6', { type: 'code', alphabet: 'ABCDEF', length: 2, prefix: 'T-', check: true }],
  // Characters that need escaping in JSON or in a URL path.
  ['escapes', { type: 'code', alphabet: '/"\\%', length: 2, prefix: '?', check: true }],
];

const withDefaults = (def: Def): Def => (def.type === 'code' ? { prefix: '', check: false, ...def } : def);

describe('http: named pools', () => {
  const s = servedPerTest({ MAX_POOLS: '20' });
  const put = (name: string, def: unknown) => request(s.url).put(`/pools/${name}`).send(def as object);

  describe('PUT /pools/:name', () => {
    const VOUCHERS = { type: 'code', alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', length: 8, prefix: 'V-', check: true };

    it('answers 201 with the pool, 200 with the same definition, 409 pool_conflict with another', async () => {
      const created = await put('vouchers', VOUCHERS);
      expect(created.status).to.equal(201);
      expect(created.text).to.equal(JSON.stringify({ pool: 'vouchers', definition: VOUCHERS, size: 32 ** 8, drawn: 0, left: 32 ** 8 }));
      const again = await put('vouchers', { check: true, prefix: 'V-', length: 8, alphabet: VOUCHERS.alphabet, type: 'code' });
      expect(again.status).to.equal(200);
      expect(again.text).to.equal(created.text);
      const conflict = expectProblem(await put('vouchers', { ...VOUCHERS, check: false }), 409, 'pool_conflict', ['definition']);
      expect(conflict.definition).to.deep.equal(VOUCHERS);
      expect((await s.store.pool('vouchers')).domain).to.deep.equal(VOUCHERS);
    });

    it('fills in prefix "" and check false', async () => {
      const res = await put('plain', { type: 'code', alphabet: 'ab', length: 2 });
      expect(res.status).to.equal(201);
      expect(res.body).to.deep.equal({ pool: 'plain', definition: { type: 'code', alphabet: 'ab', length: 2, prefix: '', check: false }, size: 4, drawn: 0, left: 4 });
      expect((await put('plain', { type: 'code', alphabet: 'ab', length: 2, prefix: '', check: false })).status).to.equal(200);
    });

    it('treats int and float as the pools of RANDOM_*: 200 for their definition, 409 for another', async () => {
      expect((await put('int', { type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER })).status).to.equal(200);
      expect((await put('float', { type: 'float', min: 0, max: 10000, decimals: 4 })).status).to.equal(200);
      expectProblem(await put('int', { type: 'int', min: 1, max: 99 }), 409, 'pool_conflict', ['definition']);
      expectProblem(await put('float', { type: 'float', min: 0, max: 10000, decimals: 3 }), 409, 'pool_conflict', ['definition']);
    });

    const bad: [string, unknown][] = [
      ['a repeated alphabet character', { type: 'code', alphabet: 'abca', length: 2 }],
      ['min above max', { type: 'int', min: 2, max: 1 }],
      ['more than 2^53 values', { type: 'code', alphabet: '0123456789', length: 16 }],
      ['an unknown type', { type: 'uuid' }],
      ['an empty object', {}],
      ['an array', [1]],
    ];
    for (const [name, def] of bad)
      it(`answers 400 invalid_pool for ${name} and creates nothing`, async () => {
        expectProblem(await put('p', def), 400, 'invalid_pool');
        expectProblem(await request(s.url).get('/pools/p'), 404, 'pool_not_found');
      });

    for (const name of ['a%20b', 'x'.repeat(65), '%C3%A9', 'a:b', '%ZZ'])
      it(`answers 400 invalid_pool_name for /pools/${name.slice(0, 20)}`, async () => {
        expectProblem(await put(name, { type: 'int', min: 1, max: 2 }), 400, 'invalid_pool_name');
      });

    it('answers 400 invalid_body for a body that is not JSON', async () => {
      expectProblem(await request(s.url).put('/pools/p').set('Content-Type', 'application/json').send('{"type":'), 400, 'invalid_body');
    });
  });

  describe('MAX_POOLS', () => {
    const small = servedPerTest({ MAX_POOLS: '1' });
    it('answers 507 too_many_pools past it (int and float not counted); existing pools still answer', async () => {
      expect((await request(small.url).put('/pools/a').send({ type: 'int', min: 1, max: 3 })).status).to.equal(201);
      expectProblem(await request(small.url).put('/pools/b').send({ type: 'int', min: 1, max: 3 }), 507, 'too_many_pools');
      expect((await request(small.url).put('/pools/a').send({ type: 'int', min: 1, max: 3 })).status).to.equal(200);
      expect((await request(small.url).get('/random/a')).status).to.equal(200);
      expectProblem(await request(small.url).get('/pools/b'), 404, 'pool_not_found');
    });
  });

  describe('GET /pools', () => {
    it('lists every pool sorted by name with definition, size, drawn and left', async () => {
      await put('zz', { type: 'int', min: 1, max: 3 });
      await put('Aa', { type: 'float', min: 0, max: 1, decimals: 1 });
      await request(s.url).get('/random/zz?count=2').expect(200);
      const res = await request(s.url).get('/pools').expect(200);
      expect(res.body).to.deep.equal({
        pools: [
          { pool: 'Aa', definition: { type: 'float', min: 0, max: 1, decimals: 1 }, size: 10, drawn: 0, left: 10 },
          { pool: 'float', definition: { type: 'float', min: 0, max: 10000, decimals: 4 }, size: 1e8, drawn: 0, left: 1e8 },
          { pool: 'int', definition: { type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, size: 2 ** 53, drawn: 0, left: 2 ** 53 },
          { pool: 'zz', definition: { type: 'int', min: 1, max: 3 }, size: 3, drawn: 2, left: 1 },
        ],
      });
      expect((await request(s.url).get('/pools/zz').expect(200)).body).to.deep.equal(res.body.pools[3]);
      expectProblem(await request(s.url).get('/pools/none'), 404, 'pool_not_found');
      expectProblem(await request(s.url).get('/pools/a%20b'), 400, 'invalid_pool_name');
    });
  });

  describe('every value exactly once, then 503 (small pools of each type)', () => {
    for (const [name, def] of SMALL)
      it(`${name}: ${JSON.stringify(def)}`, async () => {
        expect((await put(name, def)).status).to.equal(201);
        const domain = domainOf(def);
        const got: string[] = [];
        // Mixed counts, GET and POST, so runs cross each other's boundaries.
        for (let i = 0; got.length < domain.length; i++) {
          const count = Math.min([1, 3, 2, 5][i % 4]!, domain.length - got.length);
          const path = `/random/${name}${count === 1 && i % 2 === 0 ? '' : `?count=${count}`}`;
          const res = i % 3 === 0 ? await request(s.url).post(path) : await request(s.url).get(path);
          expect(res.status, res.text).to.equal(200);
          expect(res.headers['cache-control']).to.equal('no-store');
          const key = def.type === 'code' ? 'code' : 'number';
          expect(Object.keys(JSON.parse(res.text) as object)).to.deep.equal([path.includes('count') ? `${key}s` : key]);
          got.push(...valuesOf(res.text));
        }
        expect(got.length).to.equal(domain.length);
        expect([...got].sort()).to.deep.equal([...domain].sort());
        const done = expectProblem(await request(s.url).get(`/random/${name}`), 503, 'random_exhausted', ['drawn', 'size']);
        expect([done.drawn, done.size]).to.deep.equal([domain.length, domain.length]);
        expect((await request(s.url).get(`/pools/${name}`)).body).to.deep.include({ definition: withDefaults(def), size: domain.length, drawn: domain.length, left: 0 });
      });

    it('writes float values with exactly their decimals in the JSON text, and codes bare with format=text', async () => {
      await put('f', { type: 'float', min: 1, max: 1.1, decimals: 3 });
      const res = await request(s.url).get('/random/f?count=100').expect(200);
      expect(res.text).to.match(/^\{"numbers":\[(1\.\d{3},){99}1\.\d{3}\]\}$/);
      expect(res.text).to.include('1.000');
      await put('c', { type: 'code', alphabet: 'xy', length: 2, prefix: 'Q' });
      const text = await request(s.url).get('/random/c?count=4&format=text').expect(200);
      expect(text.headers['content-type']).to.match(/^text\/plain/);
      expect(text.text.trim().split('\n').sort()).to.deep.equal(['Qxx', 'Qxy', 'Qyx', 'Qyy']);
    });
  });

  describe('GET /pools/:name/values/:value', () => {
    const lookup = (name: string, value: string) => request(s.url).get(`/pools/${name}/values/${encodeURIComponent(value)}`);

    for (const [name, def] of SMALL)
      it(`${name}: every drawn value 200, every undrawn one 404`, async () => {
        await put(name, def);
        const domain = domainOf(def);
        const drawn = valuesOf((await request(s.url).get(`/random/${name}?count=${Math.ceil(domain.length / 2)}`).expect(200)).text);
        for (const value of domain) {
          const res = await lookup(name, value);
          if (drawn.includes(value)) {
            expect(res.status, value).to.equal(200);
            expect(res.text).to.equal(`{"pool":"${name}","value":${def.type === 'code' ? JSON.stringify(value) : value},"issued":true}`);
          } else expectProblem(res, 404, 'value_not_issued');
        }
      });

    for (const [name, def] of SMALL.filter(([, d]) => d.check === true))
      it(`${name}: every drawn code mistyped (one character changed, or two neighbours swapped) is 400, but for swaps of the alphabet's first and last characters`, async () => {
        await put(name, def);
        const domain = domainOf(def);
        const drawn = valuesOf((await request(s.url).get(`/random/${name}?count=${domain.length}`).expect(200)).text);
        const alphabet = def.alphabet as string;
        const chars = [...new Set([...alphabet, ...((def.prefix as string | undefined) ?? ''), '#'])];
        const missed = new Set<string>();
        let tried = 0;
        for (const code of drawn) {
          const typos: [string, string | undefined][] = [];
          for (let i = 0; i < code.length; i++) for (const c of chars) if (c !== code[i]) typos.push([code.slice(0, i) + c + code.slice(i + 1), undefined]);
          for (let i = 0; i + 1 < code.length; i++)
            if (code[i] !== code[i + 1]) typos.push([code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2), [code[i], code[i + 1]].sort().join('<->')]);
          for (const [typo, swap] of typos) {
            tried++;
            const res = await lookup(name, typo);
            if (res.status === 400) {
              expectProblem(res, 400, 'invalid_value');
              continue;
            }
            // A typo that passes the check is another valid code of the pool (all drawn here): 200.
            expect(res.status, `${code} -> ${typo}`).to.equal(200);
            expect(swap, `a single change ${code} -> ${typo} was not caught`).to.not.equal(undefined);
            missed.add(swap!);
          }
        }
        const first = alphabet[0]!;
        const last = alphabet[alphabet.length - 1]!;
        // Exactly the swaps of the first and last characters get through, and only with two or more characters (a one-character code's check char never pairs them).
        expect([...missed], `of ${tried} typos`).to.deep.equal((def.length as number) > 1 ? [[first, last].sort().join('<->')] : []);
      });

    it('answers 400 invalid_value for what cannot be a value of the pool', async () => {
      await put('i', { type: 'int', min: 1, max: 9 });
      await put('f', { type: 'float', min: 0, max: 1, decimals: 2 });
      await put('c', { type: 'code', alphabet: 'ab', length: 2, prefix: 'V-', check: true });
      for (const [name, value] of [
        ['i', '0'],
        ['i', '10'],
        ['i', '05'],
        ['i', 'x'],
        ['f', '0.5'],
        ['f', '0.500'],
        ['f', '1.00'],
        ['c', 'V-ab'],
        ['c', 'ab' + 'a'],
        ['c', 'V-abc'],
        ['c', 'V-abab'],
        ['c', 'v-aba'],
      ] as const)
        expectProblem(await lookup(name, value), 400, 'invalid_value');
      expectProblem(await request(s.url).get('/pools/i/values/%ZZ'), 400, 'invalid_value');
      expectProblem(await lookup('nope', '1'), 404, 'pool_not_found');
    });

    it('answers for the int and float pools of /random too', async () => {
      const n = (await request(s.url).get('/random?type=float').expect(200)).text.slice('{"number":'.length, -1);
      expect((await lookup('float', n)).status).to.equal(200);
      const i = (await request(s.url).get('/random').expect(200)).text.slice('{"number":'.length, -1);
      expect((await lookup('int', i)).body).to.deep.equal({ pool: 'int', value: Number(i), issued: true });
    });
  });

  describe('GET|POST /random/:name', () => {
    it('answers 404 pool_not_found for an unknown pool, 400 invalid_pool_name for a bad name; HEAD is 405', async () => {
      expectProblem(await request(s.url).get('/random/nope'), 404, 'pool_not_found');
      expectProblem(await request(s.url).post('/random/a%20b'), 400, 'invalid_pool_name');
      await put('h', { type: 'int', min: 1, max: 3 });
      const head = await request(s.url).head('/random/h');
      expect(head.status).to.equal(405);
      expect(head.headers.allow).to.equal('GET, POST');
      expect((await s.store.pool('h')).drawn).to.equal(0);
    });

    it('gives a retry with the same Idempotency-Key the first codes; the key on another request is 422', async () => {
      await put('v', { type: 'code', alphabet: '0123456789', length: 4, check: true });
      const first = await request(s.url).post('/random/v?count=3').set('Idempotency-Key', 'order-1').expect(200);
      const retry = await request(s.url).post('/random/v?count=3').set('Idempotency-Key', 'order-1').expect(200);
      expect(retry.text).to.equal(first.text);
      expect((await s.store.pool('v')).drawn).to.equal(3);
      expectProblem(await request(s.url).get('/random/v?count=2').set('Idempotency-Key', 'order-1'), 422, 'idempotency_key_reused');
      expectProblem(await request(s.url).get('/random?count=3').set('Idempotency-Key', 'order-1'), 422, 'idempotency_key_reused');
      // /random?type=int and /random/int are one pool: one key, one answer.
      const a = await request(s.url).get('/random?type=int&count=2').set('Idempotency-Key', 'int-1').expect(200);
      const b = await request(s.url).get('/random/int?count=2').set('Idempotency-Key', 'int-1').expect(200);
      expect(b.text).to.equal(a.text);
      expect((await s.store.pool('int')).drawn).to.equal(2);
    });

    it('reports values left per pool in /metrics', async () => {
      await put('m', { type: 'code', alphabet: 'ab', length: 3 });
      await request(s.url).get('/random/m?count=3').expect(200);
      const text = (await request(s.url).get('/metrics').expect(200)).text;
      expect(text).to.include('take_a_number_random_values_left{pool="m"} 5');
      expect(text).to.include('take_a_number_random_values_left{pool="float"} 100000000');
      expect(text).to.include('take_a_number_values_handed_out_total{kind="m"} 3');
    });
  });

  describe('restarts', () => {
    it('keep every pool, its position and what it issued, through clean stops', async () => {
      const file = path.join(await tempDir(), 'sequences.json');
      const a = await serveFile(file);
      await request(a.url).put('/pools/t').send({ type: 'code', alphabet: 'abcd', length: 2, check: true }).expect(201);
      await request(a.url).put('/pools/n').send({ type: 'int', min: 1, max: 10 }).expect(201);
      const early = valuesOf((await request(a.url).get('/random/t?count=5').expect(200)).text);
      await request(a.url).get('/random/n?count=4').expect(200);
      await a.close();
      const b = await serveFile(file);
      try {
        expect((await request(b.url).get('/pools/t')).body).to.deep.include({ drawn: 5, left: 11 });
        expect((await request(b.url).get('/pools/n')).body).to.deep.include({ drawn: 4, left: 6 });
        for (const v of early) expect((await request(b.url).get(`/pools/t/values/${v}`)).status, v).to.equal(200);
        const later = valuesOf((await request(b.url).get('/random/t?count=11').expect(200)).text);
        expect(new Set([...early, ...later]).size).to.equal(16);
        expectProblem(await request(b.url).put('/pools/t').send({ type: 'code', alphabet: 'abcd', length: 2 }), 409, 'pool_conflict', ['definition']);
      } finally {
        await b.close();
      }
    });

    it('keep every acknowledged draw of a named pool after kill -9', async function () {
      this.timeout(30_000);
      const file = path.join(await tempDir(), 'sequences.json');
      const one = await startServerProcess({ SEQUENCE_FILE: file });
      let codes: string[];
      try {
        expect((await fetch(`${one.url}/pools/k`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"type":"code","alphabet":"0123456789","length":3}' })).status).to.equal(201);
        codes = ((await (await fetch(`${one.url}/random/k?count=7`)).json()) as { codes: string[] }).codes;
      } finally {
        one.child.kill('SIGKILL');
        await one.exited;
      }
      const two = await startServerProcess({ SEQUENCE_FILE: file });
      try {
        const pool = (await (await fetch(`${two.url}/pools/k`)).json()) as { drawn: number };
        expect(pool.drawn).to.equal(7);
        for (const c of codes) expect((await fetch(`${two.url}/pools/k/values/${c}`)).status).to.equal(200);
        const next = ((await (await fetch(`${two.url}/random/k?count=50`)).json()) as { codes: string[] }).codes;
        expect(next.filter((c) => codes.includes(c))).to.deep.equal([]);
      } finally {
        two.child.kill('SIGTERM');
        await two.exited;
      }
    });
  });
});
