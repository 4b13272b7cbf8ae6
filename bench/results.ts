// The goals of issues 10, 11 and 12 and the tables of BENCHMARKS.md, computed from what a run measured.
import { mb, n0, n1, n2 } from './format.js';
import type { LoadResult } from './load.js';
import { DRAW_CONNECTIONS, DRAW_COUNT, SPREAD_IDS, type Profile } from './profiles.js';
import type { RedisRow } from './redis.js';
import type { Goal, Table } from './report.js';
import type { Server } from './servers.js';
import { median, roundRatio, type Summary } from './stats.js';

/** One of the two large states: its server and what its life measured. */
export interface BigState {
  size: number;
  dir: string;
  server: Server;
  firstStartMs: number;
  stopMs?: number;
  restartMs?: number;
  rssLoad?: number;
  rssRestart?: number;
}

export interface Measured {
  profile: Profile;
  /** The summary of a cell of the rounds, by key. */
  S: (key: string) => Summary | undefined;
  /** A cell's results, one per round, in round order. */
  R: (key: string) => readonly LoadResult[] | undefined;
  /** The median requests per commit of a cell, as text ('–' when the service does not expose it). */
  batch: (key: string) => string;
  big: BigState[];
  seedMs: Map<number, number>;
  keySeconds: number;
  checkpoint: LoadResult;
  checkpoints: number | undefined;
  checkpointMetric: string | undefined;
  healthAlone: LoadResult;
  health: LoadResult;
  draws: LoadResult;
  /** Where the PostgreSQL rows ran; undefined when they were skipped (pgNote says why). */
  postgresHost: string | undefined;
  pgNote: string;
  redisRows: Map<number, RedisRow[]>;
  redisNote: string;
  serverEnv: Record<string, string>;
}

export function goalsAndTables(m: Measured): { goals: Goal[]; goalNotes: string[]; tables: Table[] } {
  const { profile, S, R, batch, big, seedMs, keySeconds, checkpoint, checkpoints, checkpointMetric, healthAlone, health, draws, postgresHost, pgNote, redisRows, redisNote, serverEnv } = m;
  const large = profile.sizes[1];
  const largest = big[1]!;
  const ratioIn = roundRatio;
  const ratio = (key: string, base: string): number => ratioIn(R(key), R(base));

  // --- goals
  const goals: Goal[] = [];
  const ratioGoal = (goal: string, key: string, base: string, target: number): void => {
    const s = S(key);
    if (!s || !S(base)) return void goals.push({ goal, value: 'not measured', ratio: '–', target: `≥ ${target}`, met: undefined });
    const r = ratio(key, base);
    goals.push({ goal, value: `${n0(s.rps)} req/s`, ratio: n2(r), target: `≥ ${target}`, met: r >= target });
  };
  ratioGoal('1 connection, `/next` vs bare Koa', 'next 10 1', 'koa 1', 0.25);
  ratioGoal('64 connections, `/next` vs bare Koa', 'next 10 64', 'koa 64', 0.8);
  ratioGoal('64 connections, `/random?type=int` vs bare Koa', 'int 10 64', 'koa 64', 0.8);
  ratioGoal('64 connections, `/random?type=float` vs bare Koa', 'float 10 64', 'koa 64', 0.8);
  for (const b of big)
    for (const c of [1, 64]) ratioGoal(`${n0(b.size)} sequences, ${c} connection${c > 1 ? 's' : ''}, \`/next\` vs 10 sequences`, `next ${b.size} ${c}`, `next 10 ${c}`, 0.9);
  goals.push({ goal: `start-up at ${n0(large)} sequences (spawn to first 200 on /healthz, restart from its own files)`, value: `${n0(largest.restartMs!)} ms`, ratio: '–', target: '≤ 2,000 ms', met: largest.restartMs! <= 2000 });
  const rss = Math.max(largest.rssLoad!, largest.rssRestart!);
  goals.push({ goal: `peak RSS at ${n0(large)} sequences (VmHWM, the larger of the loaded and the restarted process)`, value: mb(rss), ratio: '–', target: '≤ 250 MB', met: rss <= 250e6 });
  for (const c of [1, 64]) ratioGoal(`${n0(profile.keys)} idempotency keys stored, ${c} connection${c > 1 ? 's' : ''}, \`/next\` vs none`, `keys ${c}`, `next 10 ${c}`, 0.9);
  goals.push({
    goal: `p99 of \`/next\` during a checkpoint at ${n0(large)} sequences (64 connections, ${profile.checkpointSeconds} s)`,
    value: checkpoints === 0 ? `${n1(checkpoint.p99)} ms (no checkpoint happened)` : `${n1(checkpoint.p99)} ms`,
    ratio: '–',
    target: '≤ 50 ms',
    met: checkpoints === 0 ? undefined : checkpoint.p99 <= 50,
  });
  goals.push({ goal: `p99 of \`/healthz\` during ${DRAW_CONNECTIONS} concurrent draws of ${n0(DRAW_COUNT)} floats`, value: `${n1(health.p99)} ms`, ratio: '–', target: 'none set', met: undefined });
  if (postgresHost !== undefined) {
    for (const [what, key, base] of [
      ['`/next` hot id', 'pg next 64', 'next 10 64'],
      ['`/random?type=int`', 'pg int 64', 'int 10 64'],
    ] as const) {
      const s = S(key)!;
      ratioGoal(`PostgreSQL store, 64 connections, ${what} vs the file store`, key, base, 0.6);
      goals.push({ goal: `PostgreSQL store, 64 connections, ${what}: p99`, value: `${n1(s.p99)} ms`, ratio: '–', target: '≤ 30 ms', met: s.p99 <= 30 });
    }
    const one = S('pg spread 1')!;
    const three = S('pg spread 3')!;
    const times = ratio('pg spread 3', 'pg spread 1');
    goals.push({ goal: `three PostgreSQL-store instances vs one, \`/next\` over ${n0(SPREAD_IDS)} ids (aggregate req/s)`, value: `${n0(three.rps)} vs ${n0(one.rps)} req/s`, ratio: n2(times), target: '≥ 2', met: times >= 2 });
  } else goals.push({ goal: 'PostgreSQL rows', value: pgNote, ratio: '–', target: '–', met: undefined });

  // --- tables
  const row = (label: string, what: string, c: number, key: string, extra: string[] = []): string[] => {
    const s = S(key);
    return s
      ? [label, what, String(c), n0(s.rps), `${n0(s.rpsMin)}–${n0(s.rpsMax)}`, n1(s.p50), n1(s.p99), n1(s.max), n2(ratio(key, `koa ${c}`)), ...extra, String(s.failed + s.errors)]
      : [label, what, String(c), 'not measured', '', '', '', '', '', ...extra.map(() => ''), ''];
  };
  const head = ['server', 'requests', 'conn.', 'req/s (median)', 'req/s (rounds)', 'p50 ms', 'p99 ms', 'max ms', '× bare Koa'];
  const tables: Table[] = [];
  const redisSummary = (c: number): RedisRow | undefined => {
    const rs = redisRows.get(c);
    return rs ? { connections: c, rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) } : undefined;
  };
  tables.push({
    title: 'Baselines',
    intro: [
      'Bare Koa answers a constant body of a `/next` answer\'s size. Koa + fdatasync appends one line to a file and waits for one `fdatasync` before each answer: the cost of one durable commit per request, with no group commit.',
      `Redis: our own \`redis-server --appendonly yes --appendfsync always\` (temp dir, free port, pinned like the servers), measured with \`redis-benchmark -t incr --csv\` (pinned like the generators; a request count sized to about ${profile.seconds} s). ${redisNote ? `Redis ${redisNote}.` : ''}`,
    ],
    header: [...head, 'failed'],
    numericFrom: 2,
    rows: [
      ...[1, 64].map((c) => row('bare Koa', 'GET /', c, `koa ${c}`)),
      ...[1, 64].map((c) => row('Koa + fdatasync', 'GET /', c, `fdatasync ${c}`)),
      ...[1, 64].flatMap((c) => {
        const r = redisSummary(c);
        return r ? [['Redis, appendfsync always', 'INCR', String(c), n0(r.rps), `${n0(Math.min(...redisRows.get(c)!.map((x) => x.rps)))}–${n0(Math.max(...redisRows.get(c)!.map((x) => x.rps)))}`, n1(r.p50), n1(r.p99), '–', n2(ratioIn(redisRows.get(c), R(`koa ${c}`))), '–']] : [];
      }),
    ],
  });
  tables.push({
    title: 'take-a-number, file store',
    intro: [
      `Fresh state directories seeded with a flat legacy file (\`{"id": last value, …}\`, which every engine loads), \`hot\` at 0. Mean batch: requests per commit from the service's /metrics (take_a_number_commit_batch_size), where it exposes it. \`${n0(profile.keys)} keys\`: a separate server with the same 10 sequences after ${n0(profile.keys)} \`POST /next/idem\` with distinct 36-character \`Idempotency-Key\`s (filled in ${keySeconds.toFixed(1)} s, 64 at a time).`,
    ],
    header: [...head, 'mean batch', 'failed'],
    numericFrom: 2,
    rows: [
      ...[1, 64].map((c) => row('10 sequences', '`/next/hot`', c, `next 10 ${c}`, [batch(`next 10 ${c}`)])),
      row('10 sequences', `\`/next/s0…s${SPREAD_IDS - 1}\``, 64, 'spread 10 64', [batch('spread 10 64')]),
      row('10 sequences', '`/random?type=int`', 64, 'int 10 64', [batch('int 10 64')]),
      row('10 sequences', '`/random?type=float`', 64, 'float 10 64', [batch('float 10 64')]),
      ...[1, 64].map((c) => row(`10 sequences + ${n0(profile.keys)} keys`, '`/next/hot`', c, `keys ${c}`, [batch(`keys ${c}`)])),
      ...big.flatMap((b) => [1, 64].map((c) => row(`${n0(b.size)} sequences`, '`/next/hot`', c, `next ${b.size} ${c}`, [batch(`next ${b.size} ${c}`)]))),
    ],
  });
  tables.push({
    title: 'State size: start-up, stop, memory',
    intro: [
      'First start: from the seeded flat legacy file (an import). Restart: after the load and a clean stop (SIGTERM), from the files the service wrote itself. Start-up is spawn to the first 200 on `/healthz`. Peak RSS is VmHWM from /proc/<pid>/status: of the first process after all its load (rounds and, at the largest size, the checkpoint scenario), and of the restarted one after a short load.',
    ],
    header: ['sequences', 'seed (flat file) ms', 'first start ms', 'stop ms', 'restart ms', 'peak RSS, loaded', 'peak RSS, restarted'],
    numericFrom: 0,
    rows: big.map((b) => [n0(b.size), n0(seedMs.get(b.size) ?? NaN), n0(b.firstStartMs), n0(b.stopMs!), n0(b.restartMs!), mb(b.rssLoad!), mb(b.rssRestart!)]),
  });
  tables.push({
    title: 'Checkpoint at the largest state',
    intro: [
      `\`/next\` at 64 connections for ${profile.checkpointSeconds} s on ids drawn at random among the ${n0(large)} sequences, on the server that ran the rounds, so the journal grows until it passes its bound and a checkpoint runs while answers are measured. Checkpoints are counted from the service's /metrics (${checkpointMetric ? `\`${checkpointMetric}\`` : 'no take_a_number_checkpoint* counter is exposed, so the count is unknown'}). A checkpoint also happens on clean stop: see "stop ms" above.${Object.keys(serverEnv).length ? ` Server settings added for the whole run: ${Object.entries(serverEnv).map(([k, v]) => `\`${k}=${v}\``).join(', ')}.` : ''}`,
    ],
    header: ['req/s', 'p50 ms', 'p99 ms', 'max ms', 'checkpoints during the load', 'failed'],
    numericFrom: 0,
    rows: [[n0(checkpoint.rps), n1(checkpoint.p50), n1(checkpoint.p99), n1(checkpoint.max), checkpoints === undefined ? 'unknown' : String(checkpoints), String(checkpoint.failed + checkpoint.errors)]],
  });
  tables.push({
    title: '/healthz during big draws',
    intro: [
      `A fresh server (10 sequences, \`RANDOM_FLOAT_DECIMALS=9\` so that the draws cannot exhaust the pool); ${DRAW_CONNECTIONS} connections each draw \`GET /random?type=float&count=${DRAW_COUNT}\` in a loop for ${profile.drawSeconds} s while one more connection calls \`GET /healthz\` in a loop. The first row is \`/healthz\` alone on the same server, before the draws.`,
    ],
    header: ['load', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'failed'],
    numericFrom: 1,
    rows: [
      ['`/healthz` alone', n0(healthAlone.rps), n1(healthAlone.p50), n1(healthAlone.p99), n1(healthAlone.max), String(healthAlone.failed + healthAlone.errors)],
      [`\`/healthz\` during the draws`, n0(health.rps), n1(health.p50), n1(health.p99), n1(health.max), String(health.failed + health.errors)],
      [`the draws (${n0(draws.rps * DRAW_COUNT)} values/s)`, n1(draws.rps), n1(draws.p50), n1(draws.p99), n1(draws.max), String(draws.failed + draws.errors)],
    ],
  });
  if (postgresHost !== undefined) {
    const pgRow = (label: string, what: string, c: string, key: string, base: string | undefined, baseLabel: string): string[] => {
      const s = S(key)!;
      return [label, what, c, n0(s.rps), `${n0(s.rpsMin)}–${n0(s.rpsMax)}`, n1(s.p50), n1(s.p99), n1(s.max), base ? `${n2(ratio(key, base))} ${baseLabel}` : '–', String(s.failed + s.errors)];
    };
    tables.push({
      title: 'PostgreSQL store',
      intro: [
        `A database of the bench's own (random name, dropped at the end) on the PostgreSQL at ${postgresHost}; three instances of the service on it, all pinned to core 1 with the other servers (PostgreSQL itself is not pinned: its backends run on both cores, beside the generators). One instance: 64 connections to it. Three instances: 64 connections to each at once (the goal's row), then the same 64 connections split over the three; one generator per instance (all on core 0), req/s summed, latencies of the slowest instance.`,
      ],
      header: ['instances', 'requests', 'conn.', 'req/s (median)', 'req/s (rounds)', 'p50 ms', 'p99 ms', 'max ms', 'ratio', 'failed'],
      numericFrom: 2,
      rows: [
        pgRow('1', '`/next/hot`', '64', 'pg next 64', 'next 10 64', '× file store'),
        pgRow('1', '`/random?type=int`', '64', 'pg int 64', 'int 10 64', '× file store'),
        pgRow('1', `\`/next/s0…s${SPREAD_IDS - 1}\``, '64', 'pg spread 1', undefined, ''),
        pgRow('3', `\`/next/s0…s${SPREAD_IDS - 1}\``, '3 × 64', 'pg spread 3', 'pg spread 1', '× one instance'),
        pgRow('3', `\`/next/s0…s${SPREAD_IDS - 1}\``, '22 + 21 + 21', 'pg spread 3 split', 'pg spread 1', '× one instance'),
      ],
    });
  }

  const scale = [1, 64].map((c) => {
    const fd = ratio(`fdatasync ${c}`, `koa ${c}`);
    const rd = redisSummary(c);
    return `at ${c} connection${c > 1 ? 's' : ''} Koa + one fdatasync per request is ${n2(fd)} of bare Koa${rd ? `, Redis INCR with appendfsync always ${n2(ratioIn(redisRows.get(c), R(`koa ${c}`)))}` : ''}`;
  });
  const goalNotes = [`For scale, in the same run: ${scale.join('; ')} (see Baselines).`];
  return { goals, goalNotes, tables };
}
