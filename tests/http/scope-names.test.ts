// Scoped tokens are checked on the name the store acts on (an NFD id is checked in its stored NFC form), and
// their globs are matched in bounded time, after the length limit, so no request can freeze the service.
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { compileGlob } from '../../src/http/glob.js';
import { pathName } from '../../src/http/names.js';
import { fileApp, startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

const TOKENS = {
  tokens: [
    { name: 'e', token: 'e-secret', scopes: ['take:e*', 'admin:e*'] },
    { name: 'n', token: 'n-secret', scopes: ['admin:n*', 'take:n*'] },
    { name: 'accent', token: 'accent-secret', scopes: ['take:é*', 'admin:é*'] },
  ],
};

// é-secret and ñame in NFD (e, n and a combining mark): the store resolves both to their NFC forms.
const NFD_SECRET = 'e%CC%81-secret';
const NFD_NAME = 'n%CC%83ame';

async function app(): Promise<Awaited<ReturnType<typeof fileApp>>> {
  const dir = await tempDir();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path.join(dir, 'tokens.json'), JSON.stringify(TOKENS));
  await writeFile(path.join(dir, 'token'), 'main-secret\n');
  return fileApp({ TOKENS_FILE: path.join(dir, 'tokens.json'), TOKEN_FILE: path.join(dir, 'token') });
}

describe('scoped tokens and the name the store acts on', () => {
  it('an NFD id is checked in its NFC form on every scoped sequence route: /next (GET, POST), PUT /sequences and POST /reserve refuse it, nothing moves', async () => {
    const { app: koa, store, close } = await app();
    const server = koa.callback();
    const as = (token: string, r: request.Test): request.Test => r.set('Authorization', `Bearer ${token}`);
    await as('main-secret', request(server).put('/sequences/%C3%A9-secret').send({ last_value: 100 })).expect(200);
    await as('main-secret', request(server).put('/sequences/%C3%B1ame').send({ last_value: 7 })).expect(200);
    const statuses = [
      (await as('e-secret', request(server).post(`/next/${NFD_SECRET}`))).status,
      (await as('e-secret', request(server).get(`/next/${NFD_SECRET}`))).status,
      (await as('e-secret', request(server).put(`/sequences/${NFD_SECRET}`).send({ last_value: 5000 }))).status,
      (await as('n-secret', request(server).put(`/sequences/${NFD_NAME}`).send({ last_value: 5000 }))).status,
      (await as('n-secret', request(server).post(`/next/${NFD_NAME}`))).status,
      (await as('e-secret', request(server).post(`/reserve/${NFD_SECRET}`))).status,
    ];
    expect(statuses).to.deep.equal([403, 403, 403, 403, 403, 403]);
    const refused = await as('e-secret', request(server).post(`/next/${NFD_SECRET}`));
    expect(refused.body.detail).to.equal('the token "e" lacks the scope take:é-secret');
    expect(await store.sequencePage()).to.deep.equal([
      { id: 'é-secret', last: 100 },
      { id: 'ñame', last: 7 },
    ]);
    // A token whose glob names the NFC form reaches the id by either form.
    expect((await as('accent-secret', request(server).post(`/next/${NFD_SECRET}`)).expect(200)).body).to.deep.equal({ sequence_id: 'é-secret', next_value: 101 });
    expect((await as('accent-secret', request(server).post('/next/%C3%A9-secret')).expect(200)).body).to.deep.equal({ sequence_id: 'é-secret', next_value: 102 });
    await as('accent-secret', request(server).put(`/sequences/${NFD_SECRET}`).send({ last_value: 200 })).expect(200);
    expect(await store.lastValue('é-secret')).to.equal(200);
    await close();
  });

  it('pool routes: a pool name has one form, so an NFD one is refused as a name (400), /random?type= is checked as the pool drawn, lease pools as sent and in NFC (403)', async () => {
    const { app: koa, store, close } = await app();
    const server = koa.callback();
    const as = (token: string, r: request.Test): request.Test => r.set('Authorization', `Bearer ${token}`);
    const def = { type: 'int', min: 1, max: 9 };
    const statuses = [
      (await as('e-secret', request(server).put(`/pools/${NFD_SECRET}`).send(def))).status,
      (await as('e-secret', request(server).post(`/random/${NFD_SECRET}`))).status,
      (await as('e-secret', request(server).get('/random?type=INT'))).status,
      (await as('e-secret', request(server).put('/pools/e-pool').send(def))).status,
      (await as('e-secret', request(server).post('/random/e-pool'))).status,
      (await as('n-secret', request(server).post('/random/e-pool'))).status,
      (await as('e-secret', request(server).put(`/lease-pools/${NFD_SECRET}`).send({ size: 2 }))).status,
      (await as('e-secret', request(server).post(`/lease-pools/${NFD_SECRET}/acquire`).send({ holder: 'h' }))).status,
    ];
    expect(statuses).to.deep.equal([400, 400, 403, 201, 200, 403, 403, 403]);
    expect((await store.pools()).map((p) => [p.name, p.drawn])).to.deep.equal([['e-pool', 1], ['float', 0], ['int', 0]]);
    await close();
  });

  it('pathName, for routes whose store normalises names, gives the name as sent and its NFC form (both must be allowed)', () => {
    const read = (raw: string): unknown => pathName(undefined as never, [raw], undefined as never);
    expect(read('plain')).to.equal('plain');
    expect(read(NFD_SECRET)).to.deep.equal(['e\u0301-secret', 'é-secret']);
    expect(read('%E0%A4%A')).to.equal(undefined);
  });

  it('globs: *, ?, [a-z], [!a], {a,b}, \\ escapes; names past 255 characters never match', () => {
    const m = (g: string, n: string): boolean => compileGlob(g)(n);
    expect([m('build-*', 'build-web'), m('build-*', 'deploy'), m('{invoice,credit}', 'credit'), m('{invoice,credit}', 'credits'), m('*', '.hidden')]).to.deep.equal([true, false, true, false, true]);
    expect([m('a?c', 'abc'), m('a?c', 'ac'), m('[a-c]x', 'bx'), m('[!a-c]x', 'bx'), m('a\\*', 'a*'), m('a\\*', 'ab'), m('{a,b{c,d}}e', 'bde'), m('*-*-x', 'a-b-x')]).to.deep.equal([true, false, true, false, true, false, true, true]);
    expect([m('?', 'é'), m('e*', 'é'), m('*', 'x'.repeat(255)), m('*', 'x'.repeat(256))]).to.deep.equal([true, false, true, false]);
  });

  it('a 10-wildcard glob against an 80- and a 3,000-character name is answered in milliseconds while /healthz stays fast', async function () {
    this.timeout(60_000);
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    const tokens = path.join(dir, 'tokens.json');
    const glob = '*-*-*-*-*-*-*-*-*-*-x';
    await writeFile(tokens, JSON.stringify({ tokens: [{ name: 'g', token: 'g-secret', scopes: [`take:${glob}`, `admin:${glob}`] }] }));
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json'), TOKENS_FILE: tokens });
    try {
      const timed = async (url: string, init: RequestInit = {}): Promise<[number, number]> => {
        const t = performance.now();
        const res = await fetch(`${srv.url}${url}`, { ...init, headers: { Authorization: 'Bearer g-secret', 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        return [res.status, performance.now() - t];
      };
      const dashes80 = '-'.repeat(80);
      const long = 'a-'.repeat(1500);
      const attacks = [
        timed(`/next/${dashes80}`, { method: 'POST' }),
        timed(`/next/${long}`, { method: 'POST' }),
        timed(`/sequences/${dashes80}`, { method: 'PUT', body: '{"last_value":1}' }),
        timed(`/random/${dashes80.slice(0, 60)}`, { method: 'POST' }),
      ];
      const health = timed('/healthz');
      const answers = await Promise.all(attacks);
      const [healthStatus, healthMs] = await health;
      console.log(`      answers: ${answers.map(([s, ms]) => `${s} in ${ms.toFixed(1)} ms`).join(', ')}; /healthz ${healthStatus} in ${healthMs.toFixed(1)} ms`);
      expect(answers.map(([s]) => s)).to.deep.equal([403, 400, 403, 403]);
      for (const [, ms] of answers) expect(ms).to.be.below(1000);
      expect(healthStatus).to.equal(200);
      expect(healthMs).to.be.below(1000);
      // The matching name still works.
      expect((await timed(`/next/${'-'.repeat(10)}x`, { method: 'POST' }))[0]).to.equal(200);
    } finally {
      expect(await stopChild(srv)).to.equal(0);
    }
  });
});
