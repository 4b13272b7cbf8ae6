// Helpers of the lease tests: a fenced resource (remembers the highest fence it has seen and refuses a lower
// one, as docs/api.md tells a resource to), an HTTP proxy that records the server's answers and drops the
// connection once the server is gone, and a command for `lease run` that writes under its lease.
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface FencedWrite {
  who: string;
  fence: number;
  pid: number;
  accepted: boolean;
  at: number;
}

/** POST /?who=&fence=&pid= → 200 when the fence is at least the highest seen, 409 stale_fence otherwise. */
export class FencedResource {
  highest = 0;
  readonly writes: FencedWrite[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FencedResource> {
    let resource!: FencedResource;
    const server = http.createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const fence = Number(q.get('fence'));
      const accepted = Number.isSafeInteger(fence) && fence >= resource.highest;
      if (accepted) resource.highest = fence;
      resource.writes.push({ who: q.get('who') ?? '', fence, pid: Number(q.get('pid')), accepted, at: Date.now() });
      res.writeHead(accepted ? 200 : 409, { 'content-type': 'application/json' }).end(JSON.stringify(accepted ? { ok: true } : { code: 'stale_fence', highest: resource.highest }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    resource = new FencedResource(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return resource;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface Recorded {
  method: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
  at: number;
}

/** Forwards every request to `target` and records each answer; a request the target does not answer loses its connection. */
export class RecordingProxy {
  readonly answers: Recorded[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<RecordingProxy> {
    let proxy!: RecordingProxy;
    const to = new URL(target);
    const server = http.createServer((req, res) => {
      const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* not JSON: recorded without a body */
          }
          proxy.answers.push({ method: req.method ?? '', path: req.url ?? '', status: answer.statusCode ?? 0, body, at: Date.now() });
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
        });
      });
      // The server is gone: the client sees what it would see without the proxy, a dropped connection.
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new RecordingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A command for `lease run`: writes to RESOURCE_URL under its fence every 50 ms (when RESOURCE_URL is set);
 * on SIGTERM it writes the time to TERM_FILE and exits with EXIT_ON_TERM.
 */
export async function writeLeaseChild(dir: string): Promise<string> {
  const file = path.join(dir, 'lease-child.mjs');
  await writeFile(
    file,
    `import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => {
  writeFileSync(process.env.TERM_FILE, String(Date.now()));
  process.exit(Number(process.env.EXIT_ON_TERM));
});
const { RESOURCE_URL, TAN_LEASE_FENCE, WHO } = process.env;
setInterval(() => {
  if (RESOURCE_URL) fetch(RESOURCE_URL + '/?who=' + WHO + '&fence=' + TAN_LEASE_FENCE + '&pid=' + process.pid, { method: 'POST' }).then((r) => r.text(), () => {});
}, 50);
`,
  );
  return file;
}
