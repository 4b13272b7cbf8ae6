// One load run against one server: wrk where it is installed (pinned like every generator), autocannon in
// this process otherwise. Both give req/s, p50, p99 and max latency, and the count of failed answers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

/** What each request asks: one path, or `${prefix}${i}` for i cycling through (or drawn at random from) 0..ids-1. */
export type Target = { path: string } | { prefix: string; ids: number; order: 'cycle' | 'random' };

export interface LoadOptions {
  url: string;
  target: Target;
  connections: number;
  /** Whole seconds (wrk takes no fraction). */
  seconds: number;
  method?: 'GET' | 'POST';
}

export interface LoadResult {
  rps: number;
  /** Latencies in ms. */
  p50: number;
  p99: number;
  max: number;
  /** Completed requests. */
  requests: number;
  /** Answers with a status of 400 or more. */
  failed: number;
  /** Socket errors and timeouts. */
  errors: number;
  seconds: number;
}

export interface Generator {
  name: 'wrk' | 'autocannon';
  run(o: LoadOptions): Promise<LoadResult>;
}

const lua = (o: LoadOptions): string => {
  const method = `wrk.method = "${o.method ?? 'GET'}"\n`;
  if ('path' in o.target) return `${method}wrk.path = "${o.target.path}"\n`;
  const { prefix, ids, order } = o.target;
  const pick = order === 'cycle' ? `i = (i + 1) % ${ids}` : `i = math.random(0, ${ids - 1})`;
  return `${method}local i = -1\nmath.randomseed(os.time())\nrequest = function()\n  ${pick}\n  return wrk.format(nil, "${prefix}" .. i)\nend\n`;
};

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** Parses wrk's text report (run with --latency). */
export function parseWrk(text: string, seconds: number): LoadResult {
  const time = (s: string): number => {
    const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s);
    if (!m) throw new Error(`wrk: cannot read the time "${s}"`);
    return Number(m[1]) * UNIT_MS[m[2]!]!;
  };
  const need = (re: RegExp): RegExpExecArray => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrk: no match for ${re} in:\n${text}`);
    return m;
  };
  const total = need(/(\d+) requests in ([\d.]+)(us|ms|s|m|h)/);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    rps: Number(need(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: time(need(/^\s+50%\s+(\S+)/m)[1]!),
    p99: time(need(/^\s+99%\s+(\S+)/m)[1]!),
    max: time(need(/^\s+Latency\s+\S+\s+\S+\s+(\S+)/m)[1]!),
    requests: Number(total[1]),
    failed: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    seconds: time(`${total[2]}${total[3]}`) / 1000 || seconds,
  };
}

export function wrkGenerator(pin: string[], binary = 'wrk'): Generator {
  return {
    name: 'wrk',
    async run(o) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-wrk-'));
      try {
        const script = path.join(dir, 'request.lua');
        await writeFile(script, lua(o));
        // One thread: the generator has one core; --timeout far above any answer so slow ones count as latency.
        const args = [...pin, binary, '-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '60s', '--latency', '-s', script, o.url];
        const text = await new Promise<string>((resolve, reject) => {
          const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.once('error', reject);
          child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out}`))));
        });
        return parseWrk(text, o.seconds);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export function autocannonGenerator(): Generator {
  return {
    name: 'autocannon',
    run: (o) =>
      new Promise((resolve, reject) => {
        let k = -1;
        const t = o.target;
        const next = 'path' in t ? () => t.path : t.order === 'cycle' ? () => `${t.prefix}${(k = (k + 1) % t.ids)}` : () => `${t.prefix}${Math.floor(Math.random() * t.ids)}`;
        const instance = autocannon(
          { url: o.url, connections: o.connections, duration: o.seconds, timeout: 60, requests: [{ method: o.method ?? 'GET', setupRequest: (req) => ({ ...req, path: next() }) }] },
          (err, r) => {
            clearTimeout(watchdog);
            if (err) return reject(err instanceof Error ? err : new Error(String(err)));
            resolve({ rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, requests: r.requests.total, failed: r.non2xx, errors: r.errors + r.timeouts, seconds: r.duration });
          },
        );
        const watchdog = setTimeout(() => instance.stop(), (o.seconds + 60) * 1000);
      }),
  };
}

/** wrk when it runs here (unless `force` says otherwise), autocannon otherwise. */
export function chooseGenerator(pin: string[], force?: string): Generator {
  if (force === 'autocannon') return autocannonGenerator();
  if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined) return wrkGenerator(pin);
  if (force === 'wrk') throw new Error('--generator wrk: wrk is not installed');
  return autocannonGenerator();
}
