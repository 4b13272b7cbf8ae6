// Never twice across a PostgreSQL failover, proven by promoting a standby under load: two local clusters
// (pg_createcluster, streaming from pg_basebackup -R), three real instances behind one switchable endpoint,
// 32 clients on /next and /random; the primary is killed (-m immediate), the standby promoted, the endpoint
// switched. Negative controls prove the test can fail: an asynchronous standby that fell behind hands out
// values twice once the going-backwards check is off, and with it on the instances refuse instead.
import { expect } from 'chai';
import { stopChild } from '../../bench/children.js';
import { startServerProcess, until, type ServerProcess } from '../support/helpers.js';
import { answeredTops, duplicates, outage, SEQUENCE_IDS, startLoad, type Timed } from '../support/failover-load.js';
import { clustersMissing, createPair, type ClusterPair } from '../support/pg-cluster.js';
import { parseLogLines, type LogLine } from '../support/robustness.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const missing = await clustersMissing();
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SYNC = { synchronous_standby_names: '"standby"' };
const ASYNC = { synchronous_standby_names: '' };

interface Run {
  answers: Timed[];
  killAt: number;
  switchedAt: number;
  /** The new primary's rows after the run: sequences' values and pools' drawn. */
  rows: Map<string, number>;
  logs: LogLine[][];
}

/** Times of one run, in ms since its load started. */
interface Plan {
  settings: Record<string, string>;
  env?: Record<string, string>;
  durationMs: number;
  killAtMs: number;
  /** Stop the standby's receiving (and pause its replay) this long before the kill: it lacks the last commits. */
  behindMs?: number;
  /** Runs on the new primary after the load, before the instances stop (the operator's repair). */
  after?: (ctx: { urls: string[]; primaryUrl: string; answers: Timed[]; logs: () => LogLine[][] }) => Promise<void>;
}

let databases = 0;

async function runFailover(pair: ClusterPair, plan: Plan): Promise<Run> {
  const { primary, standby } = pair;
  await primary.configure({ ...plan.settings });
  await primary.reload();
  const expected = plan.settings.synchronous_standby_names ? 'sync' : 'async';
  await until(`the standby to stream in sync_state ${expected}`, async () => (await primary.query(`SELECT 1 FROM pg_stat_replication WHERE sync_state = $1 AND state = 'streaming'`, [expected])).length === 1);
  const db = `tan_${++databases}`;
  await primary.query(`CREATE DATABASE ${db}`);
  const proxy = await TcpProxy.start(primary.url(db));
  const instances: ServerProcess[] = [];
  try {
    instances.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess({ DATABASE_URL: proxy.via(primary.url(db)), LOG_LEVEL: 'warn', ...plan.env })))));
    const urls = instances.map((s) => s.url);
    const load = startLoad(urls, 32);
    let killAt = 0;
    let switchedAt = 0;
    try {
      if (plan.behindMs !== undefined) {
        await wait(plan.killAtMs - plan.behindMs - load.now());
        await standby.stopReceiving();
        await standby.query('SELECT pg_wal_replay_pause()');
      }
      await wait(plan.killAtMs - load.now());
      expect(load.answers.filter((a) => a.status === 200).length, 'answers before the kill').to.be.greaterThan(100);
      killAt = load.now();
      await primary.stopImmediate();
      await standby.promote();
      proxy.switchTo(standby.url(db));
      switchedAt = load.now();
      await wait(plan.durationMs - load.now());
    } finally {
      await load.stop();
    }
    const logs = (): LogLine[][] => instances.map((s) => parseLogLines(s.stdout()));
    await plan.after?.({ urls, primaryUrl: standby.url(db), answers: load.answers, logs });
    const rows = new Map<string, number>();
    for (const r of await standby.query<{ id: string; value: string }>('SELECT id, value FROM tan_sequences', [], db)) rows.set(r.id, Number(r.value));
    for (const r of await standby.query<{ kind: string; drawn: string }>('SELECT kind, drawn FROM tan_pools', [], db)) rows.set(r.kind, Number(r.drawn));
    return { answers: load.answers, killAt, switchedAt, rows, logs: logs() };
  } finally {
    for (const s of instances) await stopChild(s);
    await proxy.close();
  }
}

/** The figures the closing note quotes. */
function report(title: string, run: Run): { failoverMs: number; backMs: number[] } {
  const o = outage(run.answers, run.killAt, 3);
  const failoverMs = (o.first200 ?? NaN) - (o.first503 ?? NaN);
  const backMs = o.perInstance.map((t) => (t ?? NaN) - run.switchedAt);
  const codes = new Map<string, number>();
  for (const a of run.answers) if (a.status !== 200) codes.set(`${a.status} ${a.code}`, (codes.get(`${a.status} ${a.code}`) ?? 0) + 1);
  console.log(
    `      ${title}: ${run.answers.length} answers, ${o.lost} not 200 (${[...codes].map(([k, n]) => `${k}: ${n}`).join(', ')}); ` +
      `kill at ${(run.killAt / 1000).toFixed(1)} s, endpoint switched ${(run.switchedAt - run.killAt).toFixed(0)} ms later; ` +
      `first 503 to first 200: ${failoverMs.toFixed(0)} ms; instances serving again ${backMs.map((m) => m.toFixed(0)).join(', ')} ms after the switch`,
  );
  return { failoverMs, backMs };
}

function expectNoReuse(run: Run): void {
  expect(duplicates(run.answers), 'values in two 2xx answers').to.deep.equal([]);
  for (const [kind, top] of answeredTops(run.answers)) expect(top, `${kind}: answered ≤ the new primary's row`).to.be.at.most(run.rows.get(kind)!);
}

describe('PostgreSQL failover: a standby promoted under load', function () {
  this.timeout(180_000);
  if (missing !== undefined) {
    if (process.env.REQUIRE_FAILOVER === '1')
      it('needs local PostgreSQL clusters (REQUIRE_FAILOVER=1)', () => {
        throw new Error(`the failover test is required but ${missing}`);
      });
    else console.log(`failover test NOT RUN: ${missing}`);
    return;
  }
  let pair: ClusterPair | undefined;
  before(async () => {
    pair = await createPair({ ...SYNC, synchronous_commit: 'on' });
  });
  after(async () => {
    await pair?.cleanup();
  });
  // Each run leaves the old primary stopped: it comes back as the new primary's standby for the next one.
  afterEach(async () => {
    if ((await pair!.primary.pid()) === undefined || (await pair!.primary.query('SELECT pg_is_in_recovery() AS r'))[0]!.r) await pair!.reverse();
  });

  for (const [level, durationMs, killAtMs] of [
    ['on', 12_000, 5_000],
    ['remote_apply', 10_000, 4_000],
  ] as const)
    it(`synchronous standby, synchronous_commit=${level}: no value twice, 503 in the window, every instance back within 10 s`, async () => {
      const run = await runFailover(pair!, { settings: { ...SYNC, synchronous_commit: level }, durationMs, killAtMs });
      const { backMs } = report(`synchronous_commit=${level}`, run);
      expectNoReuse(run);
      const odd = run.answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.code === 'storage_unavailable'));
      expect(odd, 'answers neither 200 nor 503 storage_unavailable').to.deep.equal([]);
      expect(run.answers.some((a) => a.status === 503 && a.at >= run.killAt), 'requests in the window got 503').to.equal(true);
      for (const ms of backMs) expect(ms, 'an instance serving again after the switch').to.be.lessThan(10_000);
      expect(run.logs.flat().filter((l) => l.event === 'database_went_backwards')).to.deep.equal([]);
    });

  it('negative control: an asynchronous standby behind, going-backwards check off (test-only switch) — values are handed out twice', async () => {
    const run = await runFailover(pair!, {
      settings: { ...ASYNC, synchronous_commit: 'on' },
      env: { TAKE_A_NUMBER_TEST_NO_BACKWARDS_CHECK: '1' },
      durationMs: 8_000,
      killAtMs: 4_000,
      behindMs: 1_500,
    });
    report('asynchronous, check off', run);
    const twice = duplicates(run.answers);
    console.log(`      asynchronous, check off: ${twice.length} values in two 2xx answers (${[...new Set(twice.map((d) => d.kind))].join(', ')})`);
    expect(twice.length, 'the duplicate assertion fails').to.be.greaterThan(0);
  });

  it('negative control: an asynchronous standby behind, check on — database_went_backwards, no value twice, served again once moved forward', async () => {
    const run = await runFailover(pair!, {
      settings: { ...ASYNC, synchronous_commit: 'on' },
      durationMs: 8_000,
      killAtMs: 4_000,
      behindMs: 1_500,
      async after({ urls, primaryUrl, answers, logs }) {
        const lost = logs().flat().filter((l) => l.event === 'database_went_backwards');
        expect(new Set(lost.map((l) => l.name)), 'rows found behind').to.deep.equal(new Set([...SEQUENCE_IDS, 'int', 'float']));
        expect(answers.filter((a) => a.code === 'database_went_backwards').length).to.be.greaterThan(0);
        // The operator's repair: each row forward to the highest value any instance answered (the SQL of its log line).
        const top = new Map<string, LogLine>();
        for (const l of lost) if (!top.has(l.name as string) || (l.answered as number) > (top.get(l.name as string)!.answered as number)) top.set(l.name as string, l);
        const { query } = await import('../support/postgres-database.js');
        for (const l of top.values()) await query(primaryUrl, /(UPDATE .*;)$/.exec(l.msg as string)![1]!);
        const more = startLoad(urls, 8);
        await until('every instance to serve again', () => [0, 1, 2].every((i) => more.answers.some((a) => a.instance === i && a.status === 200)), 10_000);
        await more.stop();
        answers.push(...more.answers);
      },
    });
    report('asynchronous, check on', run);
    expectNoReuse(run);
    const odd = run.answers.filter((a) => a.status !== 200 && !(a.status === 503 && (a.code === 'storage_unavailable' || a.code === 'database_went_backwards')));
    expect(odd).to.deep.equal([]);
  });

  it('a cancelled synchronous wait answers 503 and its values never reappear; DATABASE_REQUIRE_SYNC refuses while synchronous_standby_names is empty', async () => {
    const { primary, standby } = pair!;
    await primary.configure({ ...SYNC, synchronous_commit: 'on' });
    await primary.reload();
    await until('the standby to stream in sync', async () => (await primary.query(`SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'`)).length === 1);
    const db = `tan_${++databases}`;
    await primary.query(`CREATE DATABASE ${db}`);
    const srv = await startServerProcess({ DATABASE_URL: primary.url(db), LOG_LEVEL: 'warn', DATABASE_REQUIRE_SYNC: 'true' });
    try {
      const answered: number[] = [];
      const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`${srv.url}${path}`);
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status === 200 && path === '/next/a') answered.push(body.next_value as number);
        return { status: res.status, body };
      };
      expect(await get('/next/a')).to.deep.include({ status: 200 });
      expect((await get('/healthz')).body).to.deep.equal({ status: 'ok', synchronous_standbys: 1 });

      // The standby stops receiving: the next commit waits for it, and its wait is cancelled.
      const conninfo = await standby.stopReceiving();
      const pending = get('/next/a');
      const [backend] = await until('the commit to wait for the standby', async () => {
        const rows = await primary.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'SyncRep'`, [db]);
        return rows.length === 1 && rows;
      });
      await primary.query('SELECT pg_cancel_backend($1)', [backend!.pid]);
      const cancelled = await pending;
      expect(cancelled.status).to.equal(503);
      expect(cancelled.body.code).to.equal('storage_unavailable');
      expect(cancelled.body.detail).to.match(/wait was cancelled/);
      // The commit happened on the primary: value 2 is burnt.
      expect(await primary.query('SELECT value::int AS v FROM tan_sequences WHERE id = $1', ['a'], db)).to.deep.equal([{ v: 2 }]);
      const uncertain = parseLogLines(srv.stdout()).filter((l) => l.event === 'sync_commit_uncertain');
      expect(uncertain.map((l) => l.reason)).to.deep.equal(["the commit's wait for the synchronous standby was cancelled"]);
      console.log(`      cancelled wait: ${cancelled.status} ${String(cancelled.body.code)}: ${String(cancelled.body.detail)}`);

      await standby.resumeReceiving(conninfo);
      await until('the standby to stream in sync again', async () => (await primary.query(`SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'`)).length === 1);
      expect((await get('/next/a')).body.next_value).to.equal(3);

      // At run time: no synchronous standby named → allocations and /readyz 503, naming the setting; back when named again.
      await primary.configure({ synchronous_standby_names: '' });
      await primary.reload();
      const refused = await until('allocations to be refused', async () => {
        const r = await get('/next/a');
        return r.status === 503 && r;
      });
      expect(refused.body.code).to.equal('storage_unavailable');
      expect(refused.body.detail).to.contain("DATABASE_REQUIRE_SYNC=true but the database's synchronous_standby_names is empty");
      expect((await get('/readyz')).status).to.equal(503);
      await primary.configure(SYNC);
      await primary.reload();
      await until('allocations to be served again', async () => (await get('/next/a')).status === 200);
      await get('/next/a');
      expect(answered.slice(0, 2)).to.deep.equal([1, 3]);
      expect(answered, 'value 2 never reappears').to.not.include(2);
      expect(answered, 'each answer above the one before').to.deep.equal([...new Set(answered)].sort((x, y) => x - y));
    } finally {
      await stopChild(srv);
    }
  });
});
