// One autocannon run against one URL: throughput, latency percentiles, and every answer body handed to a callback.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** A hard cap on requests, so a run is bounded in count as well as in time. */
  maxRequests: number;
  /** The path of the next request (called once per request). */
  path: () => string;
  /** Every response, with its status and body. */
  onAnswer: (status: number, body: string) => void;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** How long the run took by autocannon's clock (a little over the asked seconds). */
  seconds: number;
}

export function load(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        maxOverallRequests: Math.max(o.maxRequests, o.connections),
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: o.path() }), onResponse: (status, body) => o.onAnswer(status, body) }],
      },
      (err, r) => {
        clearTimeout(watchdog);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        resolve({ rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], non2xx: r.non2xx, errors: r.errors, seconds: r.duration });
      },
    );
    // autocannon ends on its own after `seconds`; this only guards against a run that never reports.
    const watchdog = setTimeout(() => instance.stop(), (o.seconds + 15) * 1000);
  });
}
