// The Redis row: our own redis-server (appendonly, appendfsync always, temp dir, free port, pinned like the
// servers) and redis-benchmark INCR pinned like the generators. Skipped when either program is missing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './servers.js';

export interface RedisRow {
  connections: number;
  rps: number;
  p50: number;
  p99: number;
}

const installed = (program: string): boolean => spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0;

export function redisAvailable(): boolean {
  return installed('redis-server') && installed('redis-benchmark');
}

function run(command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command.join(' ')} exited with ${code}: ${out}`))));
  });
}

/** `redis-benchmark --csv` for INCR: req/s and latencies from its CSV header and row. */
function parseCsv(text: string): Omit<RedisRow, 'connections'> {
  const lines = text.trim().split('\n').map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  const header = lines.find((l) => l[0] === 'test');
  const row = lines.find((l) => l[0] === 'INCR');
  if (!row) throw new Error(`redis-benchmark printed no INCR row: ${text}`);
  const col = (name: string): number => (header && header.indexOf(name) >= 0 ? Number(row[header.indexOf(name)]) : NaN);
  return { rps: Number(row[1]), p50: col('p50_latency_ms'), p99: col('p99_latency_ms') };
}

export class Redis {
  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly dir: string,
    readonly port: number,
    private readonly exited: Promise<unknown>,
  ) {}

  static async start(serverPin: string[]): Promise<Redis> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-redis-'));
    const port = await freePort();
    const args = [...serverPin, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'];
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const redis = new Redis(child, dir, port, exited);
    const deadline = Date.now() + 20_000;
    while (!/Ready to accept connections/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await redis.stop();
        throw new Error(`redis-server did not start: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return redis;
  }

  /** INCR at `connections` for about `seconds`: a short run sizes the request count first. */
  async incr(generatorPin: string[], connections: number, seconds: number): Promise<RedisRow> {
    const bench = (n: number): Promise<string> =>
      run([...generatorPin, 'redis-benchmark', '-h', '127.0.0.1', '-p', String(this.port), '-c', String(connections), '-n', String(n), '-t', 'incr', '--csv']);
    const probe = parseCsv(await bench(Math.max(200, connections * 20)));
    const n = Math.max(connections * 20, Math.round(probe.rps * seconds));
    return { connections, ...parseCsv(await bench(n)) };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
