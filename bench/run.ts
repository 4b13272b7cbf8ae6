// `npm run bench`: take-a-number against bare Koa, Koa with one fdatasync per request, and Redis INCR with
// appendfsync always, all in one run, servers pinned to one core and load generators to the other; cells
// measured in rounds, servers in turn, medians reported. Prints and writes (BENCHMARKS.md) every ratio that
// issues 10, 11 and 12 set as goals. Talks to the service over HTTP only; large states are flat legacy files.
// Exits 1 when a check fails (failed answers, a sequence that does not match what was answered).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { imageNodeFlags } from './children.js';
import { pinCores } from './cores.js';
import { mb, n0, n1 } from './format.js';
import { chooseGenerator, type LoadResult, type Target } from './load.js';
import { createDatabase, postgresProblem, type BenchDatabase } from './postgres.js';
import { DRAW_CONNECTIONS, DRAW_COUNT, PROFILES, SPREAD_IDS, type Profile } from './profiles.js';
import { fetchCounters, type Counters } from './prom.js';
import { Redis, redisAvailable, type RedisRow } from './redis.js';
import { goalsAndTables, type BigState } from './results.js';
import { machine, metText, renderReport } from './report.js';
import { HOT_ID, seedId, writeFlatState } from './seed.js';
import { KOA_FDATASYNC_JS, KOA_JS, MAIN_JS, peakRss, spawnServer, stopServer, type Server } from './servers.js';
import { median, summarize, type Summary } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..', '..');
const NODE_FLAGS = imageNodeFlags();

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    smoke: { type: 'boolean' },
    out: { type: 'string' },
    generator: { type: 'string' },
    'server-env': { type: 'string', multiple: true },
    'no-postgres': { type: 'boolean' },
    'no-redis': { type: 'boolean' },
  },
  strict: true,
});
const profile: Profile = PROFILES[flags.smoke ? 'smoke' : flags.quick ? 'quick' : 'full'];
const out = path.resolve(flags.out ?? path.join(REPO_ROOT, 'BENCHMARKS.md'));
// Extra settings for every take-a-number server (for example a checkpoint bound), as KEY=VALUE.
const SERVER_ENV = Object.fromEntries(
  (flags['server-env'] ?? []).map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`--server-env takes KEY=VALUE, got "${kv}"`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);

const say = (line: string): void => void process.stderr.write(`${line}\n`);

const pin = pinCores();
const generator = chooseGenerator(pin.generator, flags.generator);
const node = (script: string, ...args: string[]): string[] => [...pin.server, process.execPath, ...NODE_FLAGS, script, ...args];

/** What a run of /next on the hot id of one state consumed: values answered, and requests that may have been cut. */
interface HotLedger {
  ok: number;
  cut: number;
}

interface Cell {
  key: string;
  run: () => Promise<LoadResult>;
}

const started = new Date();
const cleanup: (() => Promise<unknown>)[] = [];
const problems: string[] = [];
const checks: string[] = [];
const results = new Map<string, LoadResult[]>();
const batches = new Map<string, number[]>();
const ledgers = new Map<string, HotLedger>();

function noteFailures(label: string, r: LoadResult): void {
  if (r.failed > 0 || r.errors > 0) problems.push(`${label}: ${r.failed} failed answers (status ≥ 400), ${r.errors} socket errors or timeouts`);
}

/** One load run on one server; /next on the hot id is booked in the state's ledger, commit batches are read from /metrics. */
async function measure(label: string, server: Server, target: Target, connections: number, seconds: number, ledger?: string): Promise<LoadResult> {
  // The baselines answer every path alike: only the service has /metrics.
  const counters = (): Promise<Counters> => (server.name.includes('Koa') ? Promise.resolve({}) : fetchCounters(server.url).catch(() => ({})));
  const before = await counters();
  const r = await generator.run({ url: server.url, target, connections, seconds });
  const after = await counters();
  if (after.commits !== undefined && before.commits !== undefined && after.covered !== undefined && before.covered !== undefined && after.commits > before.commits) {
    const list = batches.get(label) ?? [];
    list.push((after.covered - before.covered) / (after.commits - before.commits));
    batches.set(label, list);
  }
  if (ledger) {
    const l = ledgers.get(ledger) ?? { ok: 0, cut: 0 };
    l.ok += r.requests - r.failed;
    l.cut += connections + r.errors;
    ledgers.set(ledger, l);
  }
  noteFailures(label, r);
  return r;
}

const hot: Target = { path: `/next/${HOT_ID}` };
const spread: Target = { prefix: '/next/s', ids: SPREAD_IDS, order: 'cycle' };
const randomInt: Target = { path: '/random?type=int' };
const randomFloat: Target = { path: '/random?type=float' };

/** Milliseconds each state size took to seed (write its flat file). */
const seedMs = new Map<number, number>();

async function startTan(name: string, dir: string, sequences: number, env: Record<string, string> = {}): Promise<{ server: Server; file: string }> {
  const file = path.join(dir, 'sequences.json');
  if (!existsSync(file)) {
    const t0 = performance.now();
    await writeFlatState(file, sequences);
    seedMs.set(sequences, performance.now() - t0);
  }
  const server = await spawnServer({
    name,
    command: node(MAIN_JS),
    env: { SEQUENCE_FILE: file, LOG_LEVEL: 'warn', MAX_SEQUENCES: String(Math.max(2_000_000, sequences * 2)), ...env, ...SERVER_ENV },
    ready: '/healthz',
    timeoutMs: 300_000,
  });
  return { server, file };
}

async function getLast(server: Server, id: string): Promise<number | undefined> {
  const res = await fetch(`${server.url}/sequences/${id}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /sequences/${id} answered ${res.status}`);
  return ((await res.json()) as { last_value: number }).last_value;
}

/** The hot id moved by at least every answer seen, and by no more than the requests that may have been cut. */
async function checkLedger(label: string, server: Server, ledger: string, initial = 0): Promise<number | undefined> {
  const l = ledgers.get(ledger);
  if (!l) return undefined;
  const last = (await getLast(server, HOT_ID)) ?? 0;
  const moved = last - initial;
  if (moved < l.ok || moved > l.ok + l.cut) problems.push(`${label}: ${HOT_ID} moved by ${moved}, outside [${l.ok}, ${l.ok + l.cut}] (2xx answered, plus requests cut at the end of runs)`);
  else checks.push(`${label}: \`${HOT_ID}\` moved by ${n0(moved)}; the load generators counted ${n0(l.ok)} answers, and at most ${n0(l.cut)} more requests were cut at the end of runs.`);
  return last;
}

/** Fills `count` idempotency keys with POST /next/idem, 64 at a time; returns the seconds it took. */
async function fillKeys(server: Server, count: number): Promise<number> {
  const t0 = performance.now();
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < count) {
      const k = i++;
      // 36 characters, as a UUID would be.
      const res = await fetch(`${server.url}/next/idem`, { method: 'POST', headers: { 'Idempotency-Key': `bench-key-${String(k).padStart(26, '0')}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`filling idempotency keys: POST /next/idem answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return (performance.now() - t0) / 1000;
}

function generatorVersion(): string {
  if (generator.name === 'autocannon') return `autocannon (in the bench process; ${flags.generator === 'autocannon' ? 'chosen with --generator autocannon' : 'wrk is not installed'})`;
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  const v = /wrk (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1];
  return `wrk ${v ?? ''}`.trim() + ' (one thread, --latency, a Lua script per scenario)';
}

const loadAverage = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' / ');

async function main(): Promise<number> {
  const [, large] = profile.sizes;
  const loadAtStart = loadAverage();
  say(`bench (${profile.name}) → ${out}`);
  say(`load generator: ${generatorVersion()}`);
  say(`pinning: ${pin.description}`);
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'tan-bench-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const dir = async (name: string): Promise<string> => {
    const d = path.join(root, name);
    await mkdir(d);
    return d;
  };
  const track = (s: Server): Server => {
    cleanup.push(() => (s.child.exitCode === null && s.child.signalCode === null ? stopServer(s) : Promise.resolve()));
    return s;
  };

  // --- servers
  const koa = track(await spawnServer({ name: 'bare Koa', command: node(KOA_JS), env: {}, ready: '/' }));
  const fdsDir = await dir('fdatasync');
  const fds = track(await spawnServer({ name: 'Koa + fdatasync', command: node(KOA_FDATASYNC_JS, path.join(fdsDir, 'log')), env: {}, ready: '/' }));
  const tan10Dir = await dir('s10');
  const tan10 = track((await startTan('take-a-number, 10 sequences', tan10Dir, 10)).server);
  const idemDir = await dir('idem');
  const idem = track((await startTan('take-a-number, keys', idemDir, 10)).server);
  say(`filling ${profile.keys} idempotency keys`);
  const keySeconds = await fillKeys(idem, profile.keys);
  say(`  ${profile.keys} keys in ${keySeconds.toFixed(1)} s`);
  const big: BigState[] = [];
  for (const size of profile.sizes) {
    const d = await dir(`s${size}`);
    say(`seeding ${size} sequences (flat legacy file) and starting`);
    const server = track((await startTan(`take-a-number, ${size} sequences`, d, size)).server);
    say(`  ready in ${server.startMs.toFixed(0)} ms`);
    big.push({ size, dir: d, server, firstStartMs: server.startMs });
  }
  let redis: Redis | undefined;
  let redisNote = '';
  if (flags['no-redis']) redisNote = 'skipped (--no-redis)';
  else if (!redisAvailable()) redisNote = 'skipped: redis-server or redis-benchmark is not on the PATH';
  else {
    redis = await Redis.start(pin.server);
    const r = redis;
    cleanup.push(() => r.stop());
  }
  let db: BenchDatabase | undefined;
  let pgNote = '';
  const pg: Server[] = [];
  if (flags['no-postgres']) pgNote = 'skipped (--no-postgres)';
  else {
    const problem = await postgresProblem();
    if (problem) pgNote = `skipped: ${problem}`;
    else {
      db = await createDatabase();
      const d = db;
      cleanup.push(() => d.drop());
      for (const name of ['A', 'B', 'C'])
        pg.push(track(await spawnServer({ name: `PostgreSQL store ${name}`, command: node(MAIN_JS), env: { DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...SERVER_ENV }, ready: '/healthz', timeoutMs: 60_000 })));
    }
  }

  // --- warm-up: every server compiles its hot paths before anything is measured
  if (profile.warmup > 0) say('warm-up');
  for (const [s, target, ledger] of [
    [koa, { path: '/' }, undefined],
    [fds, { path: '/' }, undefined],
    [tan10, hot, 's10'],
    [idem, hot, 'idem'],
    ...big.map((b) => [b.server, hot, `s${b.size}`] as const),
    ...pg.map((s, i) => [s, i === 0 ? hot : spread, i === 0 ? 'pg' : undefined] as const),
  ] as const) {
    if (profile.warmup === 0) break;
    await measure(`warm-up ${s.name}`, s, target, 64, profile.warmup, ledger);
    if (s === tan10 || s === pg[0]) await measure(`warm-up ${s.name}`, s, randomInt, 64, profile.warmup);
  }

  // --- the rounds: every cell once per round, servers in turn, so drift hits them alike
  const cells: Cell[] = [];
  const add = (key: string, server: Server, target: Target, connections: number, ledger?: string): void =>
    void cells.push({ key, run: () => measure(key, server, target, connections, profile.seconds, ledger) });
  for (const c of [1, 64]) {
    add(`koa ${c}`, koa, { path: '/' }, c);
    add(`fdatasync ${c}`, fds, { path: '/' }, c);
    add(`next 10 ${c}`, tan10, hot, c, 's10');
  }
  add('spread 10 64', tan10, spread, 64);
  add('int 10 64', tan10, randomInt, 64);
  add('float 10 64', tan10, randomFloat, 64);
  for (const c of [1, 64]) add(`keys ${c}`, idem, hot, c, 'idem');
  for (const b of big) for (const c of [1, 64]) add(`next ${b.size} ${c}`, b.server, hot, c, `s${b.size}`);
  if (pg.length === 3) {
    add('pg next 64', pg[0]!, hot, 64, 'pg');
    add('pg int 64', pg[0]!, randomInt, 64);
    add('pg spread 1', pg[0]!, spread, 64);
    // 64 connections to each instance (the goal: each instance serves clients like the single one), and the
    // same 64 split over the three (whether the gain is more than more concurrency).
    for (const [key, per] of [
      ['pg spread 3', [64, 64, 64]],
      ['pg spread 3 split', [22, 21, 21]],
    ] as const)
      cells.push({
        key,
        run: async () => {
          const rs = await Promise.all(pg.map((s, i) => measure(key, s, spread, per[i]!, profile.seconds)));
        // The aggregate: req/s summed; latency percentiles are the worst instance's.
          return {
            rps: rs.reduce((a, r) => a + r.rps, 0),
            p50: Math.max(...rs.map((r) => r.p50)),
            p99: Math.max(...rs.map((r) => r.p99)),
            max: Math.max(...rs.map((r) => r.max)),
            requests: rs.reduce((a, r) => a + r.requests, 0),
            failed: rs.reduce((a, r) => a + r.failed, 0),
            errors: rs.reduce((a, r) => a + r.errors, 0),
            seconds: profile.seconds,
          };
        },
      });
  }
  const redisRows = new Map<number, RedisRow[]>();
  for (let round = 1; round <= profile.rounds; round++) {
    say(`round ${round}/${profile.rounds}`);
    for (const cell of cells) {
      const r = await cell.run();
      results.set(cell.key, [...(results.get(cell.key) ?? []), r]);
      say(`  ${cell.key.padEnd(16)} ${n0(r.rps).padStart(7)} req/s  p50 ${n1(r.p50)} p99 ${n1(r.p99)} max ${n1(r.max)} ms${r.failed + r.errors > 0 ? `  FAILED ${r.failed} errors ${r.errors}` : ''}`);
    }
    if (redis)
      for (const c of [1, 64]) {
        const r = await redis.incr(pin.generator, c, profile.seconds);
        redisRows.set(c, [...(redisRows.get(c) ?? []), r]);
        say(`  redis INCR ${String(c).padEnd(5)} ${n0(r.rps).padStart(7)} req/s  p50 ${r.p50} p99 ${r.p99} ms`);
      }
  }
  const S = (key: string): Summary | undefined => (results.has(key) ? summarize(results.get(key)!) : undefined);
  const batch = (key: string): string => (batches.has(key) ? n1(median(batches.get(key)!)) : '–');

  // --- checkpoint: long /next load at the largest state, ids drawn at random, so the journal passes its bound
  const largest = big[1]!;
  say(`checkpoint scenario: ${profile.checkpointSeconds} s of /next at 64 connections over ${large} ids`);
  const cpBefore = await fetchCounters(largest.server.url);
  const checkpoint = await measure('checkpoint', largest.server, { prefix: '/next/s', ids: large, order: 'random' }, 64, profile.checkpointSeconds);
  const cpAfter = await fetchCounters(largest.server.url);
  const checkpoints = cpAfter.checkpoints !== undefined && cpBefore.checkpoints !== undefined ? cpAfter.checkpoints - cpBefore.checkpoints : undefined;
  if (checkpoints === 0) say('  no checkpoint happened during the load: a lower journal bound (--server-env NAME=VALUE) or a longer run would make one');
  say(`  ${n0(checkpoint.rps)} req/s p99 ${n1(checkpoint.p99)} max ${n1(checkpoint.max)} ms; checkpoints during the load: ${checkpoints ?? `unknown (no take_a_number_checkpoint* counter on /metrics)`}`);

  // --- /healthz during 100 concurrent draws of 10,000 floats (a fresh server with a domain the draws cannot exhaust)
  say(`/healthz during ${DRAW_CONNECTIONS} concurrent GET /random?type=float&count=${DRAW_COUNT}`);
  const drawDir = await dir('draws');
  const drawServer = track((await startTan('take-a-number, big draws', drawDir, 10, { RANDOM_FLOAT_DECIMALS: '9' })).server);
  if (profile.warmup > 0) await measure('draws warm-up', drawServer, { path: `/random?type=float&count=${DRAW_COUNT}` }, 4, profile.warmup);
  const healthAlone = await measure('/healthz alone', drawServer, { path: '/healthz' }, 1, profile.drawSeconds);
  const [draws, health] = await Promise.all([
    measure('big draws', drawServer, { path: `/random?type=float&count=${DRAW_COUNT}` }, DRAW_CONNECTIONS, profile.drawSeconds),
    measure('/healthz during big draws', drawServer, { path: '/healthz' }, 1, profile.drawSeconds),
  ]);
  say(`  draws ${n1(draws.rps)} req/s (${n0(draws.rps * DRAW_COUNT)} values/s); /healthz p99 ${n1(health.p99)} max ${n1(health.max)} ms (alone: p99 ${n1(healthAlone.p99)} ms)`);
  await stopServer(drawServer);

  // --- stop, restart and check: the hot id after a clean restart is where the answers left it
  for (const [label, server, ledger, d] of [
    ['10 sequences', tan10, 's10', tan10Dir],
    ['10 sequences + keys', idem, 'idem', idemDir],
  ] as const) {
    const last = await checkLedger(`file store, ${label}`, server, ledger);
    await stopServer(server);
    const again = track((await startTan(`take-a-number, ${label}, restarted`, d, 10)).server);
    const after = (await getLast(again, HOT_ID)) ?? 0;
    if (after !== last) problems.push(`file store, ${label}: ${HOT_ID} was ${last} before a clean stop and ${after} after the restart`);
    else checks.push(`file store, ${label}: \`${HOT_ID}\` is ${n0(after)} again after a clean stop and restart.`);
    await stopServer(again);
  }
  for (const b of big) {
    const label = `file store, ${n0(b.size)} sequences`;
    const last = await checkLedger(label, b.server, `s${b.size}`);
    const probe = seedId(b.size - 1);
    const probeLast = await getLast(b.server, probe);
    b.rssLoad = await peakRss(b.server.pid);
    say(`${b.size} sequences: stopping (peak RSS ${mb(b.rssLoad)})`);
    const stopped = await stopServer(b.server);
    b.stopMs = stopped.ms;
    if (stopped.code !== 0) problems.push(`${label}: exited with ${stopped.code} on SIGTERM`);
    const again = track((await startTan(`take-a-number, ${b.size} sequences, restarted`, b.dir, b.size)).server);
    b.restartMs = again.startMs;
    say(`  restarted in ${again.startMs.toFixed(0)} ms (stop took ${stopped.ms.toFixed(0)} ms)`);
    const after = (await getLast(again, HOT_ID)) ?? 0;
    const probeAfter = await getLast(again, probe);
    if (after !== last || probeAfter !== probeLast) problems.push(`${label}: ${HOT_ID}/${probe} were ${last}/${probeLast} before a clean stop and ${after}/${probeAfter} after the restart`);
    else checks.push(`${label}: \`${HOT_ID}\` (${n0(after)}) and \`${probe}\` (${n0(probeAfter ?? NaN)}) are unchanged by a clean stop and restart.`);
    await measure(`${b.size} restarted`, again, hot, 64, Math.max(1, profile.warmup));
    b.rssRestart = await peakRss(again.pid);
    await stopServer(again);
  }
  if (pg.length > 0) await checkLedger('PostgreSQL store', pg[0]!, 'pg');
  for (const s of pg) await stopServer(s);
  if (redis) await redis.stop();

  const { goals, goalNotes, tables } = goalsAndTables({
    profile,
    S,
    R: (key) => results.get(key),
    batch,
    big,
    seedMs,
    keySeconds,
    checkpoint,
    checkpoints,
    checkpointMetric: cpAfter.checkpointMetric,
    healthAlone,
    health,
    draws,
    postgresHost: db ? new URL(db.url).host : undefined,
    pgNote,
    redisRows,
    redisNote,
    serverEnv: SERVER_ENV,
  });
  const seconds = (Date.now() - started.getTime()) / 1000;
  const setup = [
    `Machine: ${machine()}. Load average (1 / 5 / 15 min) ${loadAtStart} at the start, ${loadAverage()} at the end: other processes on the machine share both cores with the run.`,
    `Pinning: ${pin.description}.`,
    `Load generator: ${generatorVersion()}. Each cell runs ${profile.seconds} s; ${profile.rounds} round${profile.rounds > 1 ? 's' : ''}, every cell once per round with the servers in turn, so that the machine's drift hits them alike; req/s, p50 and p99 are medians over the rounds, max is the slowest answer of any round. ${profile.warmup > 0 ? `Every server was warmed up for ${profile.warmup} s at 64 connections first.` : 'No warm-up.'}`,
    `Every node server (take-a-number, and both Koa baselines) runs as the image runs it: \`node ${NODE_FLAGS.join(' ')}\`. take-a-number is the built \`dist/src/main.js\` with LOG_LEVEL=warn and MAX_SEQUENCES=2,000,000, each configuration in its own process and state directory, all alive for the whole run.`,
    'Ratios: take-a-number\'s req/s over bare Koa\'s at the same connection count; the state-size and key rows over the 10-sequence server; the PostgreSQL rows over the file store. Each ratio is the median over the rounds of the two cells\' ratio within a round (measured seconds apart), so drift between rounds cancels; it can therefore differ from the ratio of the two medians.',
  ];
  const report = { goalNotes, command: `npm run bench${profile.name === 'full' ? '' : ` -- --${profile.name}`}`, started, seconds, setup, goals, tables, checks, problems };
  await writeFile(out, renderReport(report));
  say('');
  for (const g of goals) say(`goal: ${g.goal.replaceAll('`', '')}: ${g.value}${g.ratio !== '–' ? ` (ratio ${g.ratio})` : ''}, goal ${g.target}, met: ${metText(g.met).replaceAll('*', '')}`);
  if (problems.length > 0) {
    say(`CHECKS FAILED:\n${problems.join('\n')}`);
    return 1;
  }
  say(`checks passed (${checks.length}); wrote ${out}`);
  return 0;
}

// Ctrl-C: the servers, Redis and the database of this run go too.
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  say('interrupted: stopping the servers of this run');
  void (async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
    process.exit(130);
  })();
});

process.exitCode = await main()
  .catch((e: Error) => {
    if (interrupted) return 130;
    say(`bench failed: ${e.stack ?? e.message}`);
    return 2;
  })
  .finally(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch((e: Error) => say(`cleanup: ${e.message}`));
  });
