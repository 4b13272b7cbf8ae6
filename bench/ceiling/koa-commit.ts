// Bare Koa holding every answer for a group commit, to see what the commit itself costs: with
// `--writer timer` a commit is a 1 ms timer (no disk); with `--writer durable` it is this service's real
// writer (one journal append to both copies, the primary fdatasynced). Answers `/next/:id`-sized
// bodies for any path. Prints `LISTENING <url>`; exits on SIGTERM.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import { GroupCommit } from '../../src/store/file/commit/group-commit.js';
import { DiskWriter } from '../../src/store/file/commit/writer.js';
import { statePaths } from '../../src/store/file/paths.js';

const { values: flags } = parseArgs({ options: { writer: { type: 'string' } }, strict: true });
const dir = mkdtempSync(path.join(os.tmpdir(), 'tan-ceiling-'));
const writer = new DiskWriter(statePaths(path.join(dir, 'state.json')));
let value = 0;
const write = (): Promise<void> =>
  flags.writer === 'durable' ? writer.append(`{"g":${value}}\n`) : new Promise<void>((resolve) => setTimeout(resolve, 1));
const commits = new GroupCommit(write);

const app = new Koa();
app.use(async (ctx) => {
  const v = ++value;
  await commits.commit();
  ctx.type = 'application/json';
  ctx.body = `{"sequence_id":"hot","next_value":${v}}`;
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () =>
  server.close(() => {
    void writer.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }),
);
