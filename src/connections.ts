// The connection cap without a lock-out: at MAX_CONNECTIONS a new connection closes the oldest idle one (no
// response in flight) instead of being refused, so a client holding thousands of idle sockets cannot keep a
// newcomer out; only when every connection is busy is the newcomer closed. The cap still bounds the descriptors.
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export const RESPONSE = Symbol('response in flight');
/** A connection with the response it is working on, if any. */
export type InFlight = Socket & { [RESPONSE]?: http.ServerResponse };

const LOG_EVERY_MS = 60_000;

export class Connections {
  /** Open connections, oldest first (a Set keeps insertion order). */
  readonly open = new Set<InFlight>();
  private loggedAt = -Infinity;
  private shed = 0;

  constructor(
    private readonly max: number,
    private readonly log: Logger,
  ) {}

  /** Admits a new connection, closing the oldest idle one at the cap; false when it was closed itself. */
  admit(socket: InFlight): boolean {
    if (this.open.size >= this.max && !this.shedOldestIdle()) {
      socket.destroy();
      return false;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return true;
  }

  private shedOldestIdle(): boolean {
    for (const old of this.open) {
      if (old[RESPONSE] !== undefined) continue;
      this.open.delete(old);
      old.destroy();
      this.shed++;
      const now = performance.now();
      if (now - this.loggedAt >= LOG_EVERY_MS) {
        this.loggedAt = now;
        this.log.warn(
          { event: 'connections_shed', max_connections: this.max, shed: this.shed },
          `${this.max} connections are open (MAX_CONNECTIONS): closing the oldest idle ones for new clients (${this.shed} so far)`,
        );
      }
      return true;
    }
    return false;
  }
}
