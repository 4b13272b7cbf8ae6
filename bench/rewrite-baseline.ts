// The per-request-rewrite baseline: `GET /next/:id` served the way the JSON-file services take-a-number replaces
// do it. Koa + @koa/router, `{id: value}` in memory, and every request, one at a time under an async-mutex,
// increments its counter and rewrites the whole JSON file with write-file-atomic (fsync on, its default) before
// answering. No group commit. Usage: `node rewrite-baseline.js <file>` (or REWRITE_BASELINE_FILE=<file>); the
// file must hold a JSON object of counters. On SIGTERM it waits for requests in flight, prints
// `ANSWERED <n>` (the 2xx it sent) and exits, so the bench can compare n with the file.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { Mutex } from 'async-mutex';
import Koa from 'koa';
import writeFileAtomic from 'write-file-atomic';

const file = process.argv[2] ?? process.env.REWRITE_BASELINE_FILE;
if (!file) {
  process.stderr.write('usage: rewrite-baseline <counters.json> (or REWRITE_BASELINE_FILE)\n');
  process.exit(2);
}
// A Map rather than a plain object so that ids like `__proto__` would be ordinary keys; the cost is nil next to an fsync.
const counters = new Map<string, number>(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>));
const mutex = new Mutex();
let answered = 0;
let inFlight = 0;

const router = new Router();
router.get('/next/:id', async (ctx) => {
  const id = ctx.params.id!;
  const value = await mutex.runExclusive(async () => {
    const v = (counters.get(id) ?? 0) + 1;
    counters.set(id, v);
    await writeFileAtomic(file, JSON.stringify(Object.fromEntries(counters)));
    return v;
  });
  ctx.body = { sequence_id: id, next_value: value };
});

const app = new Koa();
app.use(async (ctx, next) => {
  inFlight++;
  try {
    await next();
    if (ctx.status >= 200 && ctx.status < 300) answered++;
  } finally {
    inFlight--;
  }
});
app.use(router.routes());

const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  // Requests cut off by the client still finish their write; report only once none is left.
  const finish = (): void => {
    if (inFlight > 0 || mutex.isLocked()) return void setTimeout(finish, 10);
    process.stdout.write(`ANSWERED ${answered}\n`, () => process.exit(0));
  };
  finish();
});
