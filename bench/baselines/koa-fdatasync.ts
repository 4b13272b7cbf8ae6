// The reference for one commit per request: bare Koa that appends one line to a file and waits for one
// fdatasync before each answer (no group commit, no copy, no rename). Usage: `node koa-fdatasync.js <file>`;
// listens on PORT (0 picks one) on 127.0.0.1, prints `LISTENING <url>`; exits on SIGTERM.
import http from 'node:http';
import { open } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: koa-fdatasync <file>\n');
  process.exit(2);
}
const handle = await open(file, 'a');
let value = 0;

const app = new Koa();
app.use(async (ctx) => {
  const v = ++value;
  await handle.write(`${v}\n`);
  await handle.datasync();
  ctx.type = 'application/json';
  ctx.body = `{"sequence_id":"hot","next_value":${v}}`;
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => void handle.close().then(() => process.exit(0))));
