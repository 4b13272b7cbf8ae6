// Opens the configured store, builds the app and listens. No process handling here (see main.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { Metrics } from './metrics.js';
import { FileStore } from './store/file-store.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  url: string;
  store: Store;
  server: http.Server;
  /** Stops accepting, lets in-flight requests finish with their commit, then closes the store. */
  close(graceMs?: number): Promise<{ forced: boolean }>;
}

export async function openStore(config: Config, log: Logger): Promise<Store> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./store/postgres-store.js');
    return PostgresStore.open({ config, log });
  }
  return FileStore.open({ config, log });
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore(config, log);
  const metrics = new Metrics(store);
  const app = createApp({ store, config, log, metrics });
  const server = http.createServer(app.callback());
  // Keep-alive longer than common load balancers' idle timeout, so they never reuse a closed socket.
  server.keepAliveTimeout = 65_000;
  // On close, busy keep-alive connections would keep the server open until the grace ends (and the exit
  // would be forced): every response not yet sent says "Connection: close", and each connection that turns
  // idle is closed at once.
  let closing = false;
  const unsent = new Set<http.ServerResponse>();
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    else {
      unsent.add(res);
      res.once('close', () => unsent.delete(res));
    }
    res.once('finish', () => {
      unsent.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    store,
    server,
    async close(graceMs = 5000) {
      let forced = false;
      closing = true;
      for (const res of unsent) if (!res.headersSent) res.setHeader('Connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        forced = true;
        server.closeAllConnections();
      }, graceMs);
      await closed;
      clearTimeout(timer);
      await store.close();
      return { forced };
    },
  };
}
