// The baseline: bare Koa answering a constant body of a /next answer's size. Listens on PORT (0 picks one) on
// 127.0.0.1, prints `LISTENING <url>`; exits on SIGTERM.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

// Same length as {"sequence_id":"hot","next_value":12345}, a typical /next answer.
export const BASELINE_BODY = '{"sequence_id":"hot","next_value":12345}';

const app = new Koa();
app.use((ctx) => {
  ctx.type = 'application/json';
  ctx.body = BASELINE_BODY;
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
