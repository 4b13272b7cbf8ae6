// The "clock is behind the period" warning, once for both stores: a sequence stays in its own later period
// while the clock is before it, and each store logs that once per sequence and period, not per request.
import type { Logger } from 'pino';
import type { Rolled } from '../../series/sequence.js';

export class ClockWarnings {
  private readonly logged = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** Logs `r.behind` unless this sequence's stored period was logged already. */
  note(id: string, r: Rolled): void {
    if (!r.behind) return;
    const seen = `${id}\0${r.behind.stored}`;
    if (this.logged.has(seen)) return;
    this.logged.add(seen);
    this.log.warn(
      { event: 'clock_behind_period', sequence_id: id, clock_period: r.behind.clock, period: r.behind.stored },
      `the clock is in period ${r.behind.clock}, before sequence "${id}"'s period ${r.behind.stored}: it stays in ${r.behind.stored}`,
    );
  }
}
