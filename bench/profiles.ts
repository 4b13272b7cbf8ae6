// How long and how wide a bench run is: full (a few minutes), --quick (about a minute), --smoke (seconds).

export interface Profile {
  name: 'full' | 'quick' | 'smoke';
  sizes: number[];
  connections: number[];
  /** Seconds per measured cell. */
  seconds: number;
  /** Seconds of load before measuring, so the server's code is compiled. */
  warmup: number;
  /** Hard cap on requests per cell. */
  maxRequests: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: { name: 'full', sizes: [10, 1_000, 10_000, 100_000], connections: [1, 16, 64, 256], seconds: 2.5, warmup: 2, maxRequests: 500_000 },
  quick: { name: 'quick', sizes: [10, 1_000, 10_000, 100_000], connections: [1, 64], seconds: 1.5, warmup: 1, maxRequests: 200_000 },
  smoke: { name: 'smoke', sizes: [10, 1_000], connections: [16], seconds: 0.5, warmup: 0.3, maxRequests: 20_000 },
};
