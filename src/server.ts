// Opens the configured store, builds the app and listens. No process handling here (see main.ts).
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { Connections, RESPONSE, type InFlight } from './connections.js';
import { StartupError } from './errors.js';
import { createApp } from './http/app.js';
import { answerClientError } from './http/client-error.js';
import type { Lifecycle } from './http/routes.js';
import { Tokens, TokensFileError } from './http/tokens.js';
import { Metrics } from './metrics.js';
import { FileStore } from './store/file/file-store.js';
import type { Store } from './store/store.js';

/** Time limits of one connection (Node's defaults let a slow client hold a socket for minutes). */
export const HEADERS_TIMEOUT_MS = 20_000;
export const REQUEST_TIMEOUT_MS = 30_000;
// Keep-alive longer than common load balancers' idle timeout, so they never reuse a closed socket.
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RunningServer {
  url: string;
  store: Store;
  server: http.Server;
  /** The accepted tokens (reload() on SIGHUP). */
  tokens: Tokens;
  /** draining = true turns /readyz to 503. */
  lifecycle: Lifecycle;
  /** Stops accepting, lets in-flight requests finish with their commit, then closes the store. */
  close(graceMs?: number): Promise<{ forced: boolean }>;
}

export async function openStore(config: Config, log: Logger): Promise<Store> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./store/postgres/store.js');
    return PostgresStore.open({ config, log });
  }
  return FileStore.open({ config, log });
}

/** Refuses the start, before any state file is created, when the port is taken or cannot be used. */
async function checkPort(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, host, () => resolve());
    });
  } catch (e) {
    throw listenError(e, port, host);
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

function listenError(e: unknown, port: number, host: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new StartupError(`port ${port} on ${host} is already in use: stop what listens there, or choose another port with PORT=<n> or --port <n>`);
  if (code === 'EACCES') return new StartupError(`port ${port} on ${host} needs privileges: use a port above 1023 with PORT=<n> or --port <n>`);
  if (code === 'EADDRNOTAVAIL') return new StartupError(`${host} is not an address of this machine: set HOST (or --host) to one, or 0.0.0.0`);
  return e as Error;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  let tokens: Tokens;
  try {
    tokens = new Tokens({ token: config.token, metricsToken: config.metricsToken, tokensFile: config.tokensFile });
  } catch (e) {
    throw e instanceof TokensFileError ? new StartupError(e.message) : e;
  }
  await checkPort(config.port, config.host);
  const fileMode = !config.databaseUrl;
  const store = await openStore(config, log);
  // Loading a large state leaves its garbage (the file text, the parsed object, outgrown map tables) in the
  // old and large-object spaces until a major GC that may come only under load; one now, where node was
  // started with --expose-gc (the image is), keeps it out of the peak.
  (globalThis as { gc?: () => void }).gc?.();
  const metrics = new Metrics(store, true, fileMode ? 'file' : 'postgres');
  const lifecycle: Lifecycle = { draining: false };
  const app = createApp({ store, config, log, metrics, tokens, lifecycle });
  // A connection check every 2 s enforces the header and request timeouts promptly (Node's default is 30 s).
  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 2000 }, app.callback());
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('clientError', answerClientError);
  // On close, busy keep-alive connections would keep the server open until the grace ends (and the exit
  // would be forced): every response not yet sent says "Connection: close", and each connection that turns
  // idle is closed at once. The response in flight is kept on its socket, not in a Set: a Set that every
  // request enters and leaves leaves dead tables in the old generation whose slots keep whole requests
  // alive through scavenges (measured: 1.5 MB promoted per scavenge, 5 ms pauses, under 64 connections).
  let closing = false;
  // At the limit the oldest idle connection makes room: file descriptors stay for the store, and a client
  // holding many idle sockets cannot keep a new one out.
  const connections = new Connections(config.maxConnections, log);
  const sockets = connections.open;
  const closeWhenIdle = (res: http.ServerResponse): void =>
    void res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  server.on('connection', (socket: InFlight) => void connections.admit(socket));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) {
      res.setHeader('Connection', 'close');
      closeWhenIdle(res);
      return;
    }
    const socket = req.socket as InFlight;
    socket[RESPONSE] = res;
    res.once('finish', () => {
      if (socket[RESPONSE] === res) socket[RESPONSE] = undefined;
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (e) {
    await store.close();
    throw listenError(e, config.port, config.host);
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    store,
    server,
    tokens,
    lifecycle,
    async close(graceMs = 5000) {
      let forced = false;
      closing = true;
      for (const socket of sockets) {
        const res = socket[RESPONSE];
        if (!res) continue;
        if (!res.headersSent) res.setHeader('Connection', 'close');
        // One whose headers are out already still leaves its connection idle when it finishes.
        closeWhenIdle(res);
      }
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
