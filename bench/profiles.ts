// How long and how wide a bench run is: full (about 10 minutes), --quick (about 3), --smoke (seconds, for npm test).

export interface Profile {
  name: 'full' | 'quick' | 'smoke';
  /** Rounds: every cell is measured once per round, servers in turn, and the median is reported. */
  rounds: number;
  /** Whole seconds per measured cell. */
  seconds: number;
  /** Seconds of load on each server before the rounds, so its code is compiled (0: none). */
  warmup: number;
  /** The two large state sizes compared with 10 sequences (the goals name 100,000 and 1,000,000). */
  sizes: [number, number];
  /** Idempotency keys stored before the idempotency rows (the goal names 10,000, the default bound). */
  keys: number;
  /** Seconds of /next load at the largest size, for the checkpoint row. */
  checkpointSeconds: number;
  /** Seconds of the 100 concurrent big draws, for the /healthz row. */
  drawSeconds: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: { name: 'full', rounds: 5, seconds: 3, warmup: 2, sizes: [100_000, 1_000_000], keys: 10_000, checkpointSeconds: 30, drawSeconds: 10 },
  quick: { name: 'quick', rounds: 3, seconds: 2, warmup: 1, sizes: [100_000, 1_000_000], keys: 10_000, checkpointSeconds: 10, drawSeconds: 4 },
  smoke: { name: 'smoke', rounds: 1, seconds: 1, warmup: 0, sizes: [2_000, 10_000], keys: 200, checkpointSeconds: 1, drawSeconds: 1 },
};

/** `/next` over this many ids (s0…s999) in the spread rows. */
export const SPREAD_IDS = 1000;
/** The big-draw row: this many concurrent `GET /random?type=float&count=DRAW_COUNT`. */
export const DRAW_CONNECTIONS = 100;
export const DRAW_COUNT = 10_000;
