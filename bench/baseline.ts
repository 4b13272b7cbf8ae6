// The baseline: bare Koa answering a constant body of a /next response's size, for the bench's ratios.
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
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
