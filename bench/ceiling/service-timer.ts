// take-a-number with every commit replaced by a 1 ms timer (no disk): the cost of its own request handling.
// Usage: `node service-timer.js <state-dir>`. Prints `LISTENING <url>`; exits on SIGTERM.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { FileStore } from '../../src/store/file/file-store.js';

const config = loadConfig(['--sequence-file', path.join(process.argv[2] ?? '.', 'sequences.json')], {});
const log = silentLogger();
const timer = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 1));
const store = await FileStore.open({ config, log, wrapWriter: (disk) => ({ append: timer, writeSnapshot: (c) => disk.writeSnapshot(c), resetJournal: (l) => disk.resetJournal(l), close: () => disk.close() }) });
const server = http.createServer(createApp({ store, config, log, metrics: new Metrics(store) }).callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => void store.close().then(() => process.exit(0))));
