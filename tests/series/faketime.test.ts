// Real server processes under a faked system clock (libfaketime from Debian's faketime package): the
// change of year under 200 concurrent requests, the clock stepping back, and kill -9 inside a period.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { stopChild } from '../../bench/children.js';
import { startServerProcess, tempDir, until, type ServerProcess } from '../support/helpers.js';

/** libfaketime, found through the faketime package's file list (the `faketime` binary preloads the same file); undefined when missing. */
function findLibfaketime(): string | undefined {
  let listed: string | undefined;
  try {
    listed = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .find((f) => /\/libfaketime\.so\.1$/.test(f));
  } catch {
    return undefined;
  }
  return listed && existsSync(listed) ? listed : undefined;
}

// libfaketime is a system library that npm ci does not bring: CI installs it and sets REQUIRE_FAKETIME=1;
// elsewhere its absence is said, not hidden.
const LIBFAKETIME = findLibfaketime();
if (LIBFAKETIME === undefined && process.env.REQUIRE_FAKETIME !== '1')
  console.log('faked-clock tests NOT RUN: libfaketime is missing; install it (apt-get install faketime) to run them');

function libfaketime(): string {
  if (LIBFAKETIME === undefined) throw new Error('libfaketime is missing and REQUIRE_FAKETIME=1: apt-get install faketime (.ci/run does)');
  return LIBFAKETIME;
}

interface Clock {
  /** Stops the clock at a time ("2026-12-31 23:59:59", UTC). */
  set(text: string): Promise<void>;
  /** Lets the clock run from `iso` on, at real speed, the same in every process (a lock turns stale in it). */
  runFrom(iso: string): Promise<void>;
  env: Record<string, string>;
}

/** A system clock the test moves: libfaketime reads the time from a file at every call. */
async function fakeClock(dir: string, start: string): Promise<Clock> {
  const file = path.join(dir, 'clock');
  // Written aside and renamed: libfaketime reads the file at every call, and a half-written one reads as the real clock.
  let n = 0;
  const set = async (text: string): Promise<void> => {
    const aside = `${file}.${n++}`;
    await writeFile(aside, `${text}\n`);
    await rename(aside, file);
  };
  await set(start);
  const runFrom = (iso: string): Promise<void> => {
    const offset = Math.round((Date.parse(iso) - Date.now()) / 1000);
    return set(`${offset >= 0 ? '+' : ''}${offset}s`);
  };
  return {
    set,
    runFrom,
    // Monotonic clocks stay real so that timers run; TZ=UTC so the file's times are UTC.
    env: { LD_PRELOAD: libfaketime(), FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' },
  };
}

interface NextBody {
  sequence_id: string;
  next_value: number;
  last_value?: number;
  period: string;
  formatted: string | string[];
}

async function next(srv: ServerProcess, id: string, count?: number): Promise<NextBody> {
  const res = await fetch(`${srv.url}/next/${id}${count ? `?count=${count}` : ''}`, { method: 'POST' });
  const body = (await res.json()) as NextBody;
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

const put = async (srv: ServerProcess, id: string, body: unknown): Promise<void> => {
  const res = await fetch(`${srv.url}/sequences/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
};

/** Values by period and every formatted id, from answers. */
function tally(bodies: NextBody[]): { byPeriod: Map<string, number[]>; formatted: string[] } {
  const byPeriod = new Map<string, number[]>();
  const formatted: string[] = [];
  for (const b of bodies) {
    const list = byPeriod.get(b.period) ?? [];
    for (let v = b.next_value; v <= (b.last_value ?? b.next_value); v++) list.push(v);
    byPeriod.set(b.period, list);
    formatted.push(...(Array.isArray(b.formatted) ? b.formatted : [b.formatted]));
  }
  return { byPeriod, formatted };
}

const dense = (values: number[]): boolean => [...values].sort((a, b) => a - b).every((v, i) => v === i + 1);

(LIBFAKETIME !== undefined || process.env.REQUIRE_FAKETIME === '1' ? describe : () => undefined)('series: a real server under a faked system clock', function () {
  this.timeout(60_000);
  const started: ServerProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => stopChild(s)));
  });
  const start = async (env: Record<string, string>): Promise<ServerProcess> => {
    const srv = await startServerProcess(env);
    started.push(srv);
    return srv;
  };

  it('200 concurrent requests across the change of year: dense 1..k in the old year, 1..m in the new, no formatted id twice; the clock stepping back stays in the new year', async () => {
    const dir = await tempDir();
    const clock = await fakeClock(dir, '2026-12-31 23:59:59');
    const srv = await start({ SEQUENCE_FILE: path.join(dir, 'seq.json'), ...clock.env });
    const date = await fetch(`${srv.url}/healthz`).then((r) => r.headers.get('date'));
    expect(date).to.equal('Thu, 31 Dec 2026 23:59:59 GMT');
    await put(srv, 'invoice', { format: 'INV-{YYYY}-{n:05}', reset: 'yearly' });
    // 100 in flight in the old year; once the first is answered the clock turns, and 100 more are sent.
    const before = Array.from({ length: 100 }, (_, i) => next(srv, 'invoice', i % 10 === 0 ? 2 : undefined));
    await before[0];
    await clock.set('2027-01-01 00:00:00');
    const after = Array.from({ length: 100 }, () => next(srv, 'invoice'));
    const bodies = await Promise.all([...before, ...after]);
    const { byPeriod, formatted } = tally(bodies);
    const old = byPeriod.get('2026') ?? [];
    const fresh = byPeriod.get('2027') ?? [];
    console.log(`      2026: ${old.length} values (dense 1..${old.length}: ${dense(old)}), 2027: ${fresh.length} values (dense 1..${fresh.length}: ${dense(fresh)}), ${formatted.length} formatted ids, ${new Set(formatted).size} distinct`);
    expect([...byPeriod.keys()].sort()).to.deep.equal(['2026', '2027']);
    expect(old.length + fresh.length).to.equal(210);
    expect(dense(old) && dense(fresh)).to.equal(true);
    expect(new Set(formatted).size).to.equal(210);
    for (const f of formatted) expect(f).to.match(/^INV-202[67]-\d{5}$/);
    // Every 2027 answer came after every 2026 one was decided: no old-year id after the turn.
    for (const b of await Promise.all(after)) expect(b.period).to.equal('2027');

    // The clock steps back across the boundary: the sequence stays in 2027 and says so in the log.
    await clock.set('2026-12-31 23:59:58');
    const back = await next(srv, 'invoice');
    expect(back).to.deep.equal({ sequence_id: 'invoice', next_value: fresh.length + 1, period: '2027', formatted: `INV-2027-${String(fresh.length + 1).padStart(5, '0')}` });
    await until('the clock_behind_period log line', () => srv.stdout().includes('"event":"clock_behind_period"'));
    console.log(`      clock back to 2026-12-31 23:59:58: ${back.formatted as string}`);
    const shown = (await (await fetch(`${srv.url}/sequences/invoice`)).json()) as { periods: Record<string, number> };
    expect(shown.periods).to.deep.equal({ '2026': old.length, '2027': fresh.length + 1 });
  });

  it('kill -9 under load inside a daily period: after each restart the sequence continues in its period and never repeats', async () => {
    const dir = await tempDir();
    const clock = await fakeClock(dir, '2028-02-29 12:00:00');
    // A running clock: the lock of a killed process must turn stale by the (faked) wall clock.
    await clock.runFrom('2028-02-29T12:00:00Z');
    const env = { SEQUENCE_FILE: path.join(dir, 'seq.json'), ...clock.env };
    let srv = await start(env);
    await put(srv, 'ticket', { format: 'T{YYYY}{MM}{DD}-{n:04}', reset: 'daily' });
    const all: NextBody[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      let dead = false;
      const clients = Array.from({ length: 8 }, async () => {
        while (!dead) {
          try {
            all.push(await next(srv, 'ticket', Math.random() < 0.3 ? 3 : undefined));
          } catch (e) {
            if (!dead) throw e;
          }
        }
      });
      const target = all.length + 50 + Math.floor(Math.random() * 100);
      await until('answers before the kill', () => all.length >= target);
      process.kill(srv.pid, 'SIGKILL');
      dead = true;
      await srv.exited;
      started.splice(started.indexOf(srv), 1);
      await Promise.all(clients);
      srv = await start(env);
      const { byPeriod } = tally(all);
      const acknowledged = Math.max(...byPeriod.get('2028-02-29')!);
      const resumed = await next(srv, 'ticket');
      all.push(resumed);
      expect(resumed.period).to.equal('2028-02-29');
      expect(resumed.next_value).to.be.greaterThan(acknowledged);
      console.log(`      cycle ${cycle + 1}: ${acknowledged} acknowledged on 2028-02-29 before kill -9, resumed at ${resumed.formatted as string}`);
    }
    // The next day starts at 1 after a kill too, and the old day's last value is kept.
    await clock.runFrom('2028-03-01T00:00:00Z');
    // libfaketime may take a moment to read the new clock in a running process: wait until the server's own clock shows the new day.
    await until('the server in 2028-03-01', async () => ((await (await fetch(`${srv.url}/sequences/ticket`)).json()) as { period: string }).period === '2028-03-01');
    const nextDay = await next(srv, 'ticket', 2);
    all.push(nextDay);
    expect(nextDay, JSON.stringify(nextDay)).to.deep.include({ next_value: 1, last_value: 2, period: '2028-03-01' });
    process.kill(srv.pid, 'SIGKILL');
    await srv.exited;
    started.splice(started.indexOf(srv), 1);
    srv = await start(env);
    const after = await next(srv, 'ticket');
    all.push(after);
    expect(after, JSON.stringify(after)).to.deep.include({ next_value: 3, period: '2028-03-01', formatted: 'T20280301-0003' });
    const { byPeriod, formatted } = tally(all);
    expect(new Set(formatted).size).to.equal(formatted.length);
    expect(byPeriod.get('2028-03-01')).to.deep.equal([1, 2, 3]);
    const feb = byPeriod.get('2028-02-29')!;
    expect(new Set(feb).size).to.equal(feb.length);
    const shown = (await (await fetch(`${srv.url}/sequences/ticket`)).json()) as { periods: Record<string, number> };
    expect(shown.periods['2028-02-29']).to.be.at.least(Math.max(...feb));
    console.log(`      ${formatted.length} formatted ids over 4 kills, none twice; periods ${JSON.stringify(shown.periods)}`);
  });
});
