// Prometheus metrics (prom-client), one registry per app so tests and instances do not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { domainSize } from './random/domain.js';
import type { Store, StoreHealth } from './store/store.js';
import { VERSION } from './version.js';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'take_a_number_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'take_a_number_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly commitBatch = new Histogram({
    name: 'take_a_number_commit_batch_size',
    help: 'Requests covered by one durable commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });
  readonly commitLatency = new Histogram({
    name: 'take_a_number_commit_duration_seconds',
    help: 'Time to make one commit durable (file store: one journal record appended and the primary copy fdatasynced; PostgreSQL: one transaction committed)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly values = new Counter({
    name: 'take_a_number_values_handed_out_total',
    help: 'Values handed out in 2xx responses, by kind (sequence, or the random pool\'s name: int, float, named pools)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly replays = new Counter({
    name: 'take_a_number_idempotent_replays_total',
    help: 'Requests answered from an Idempotency-Key with the values of an earlier request, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly commitFailures = new Counter({
    name: 'take_a_number_commit_failures_total',
    help: 'Commits that could not be made durable (each answered its whole batch 503 storage_unavailable)',
    registers: [this.registry],
  });

  /** Counts a 2xx answer carrying n values; a replay hands out nothing new, so it only counts as a replay. */
  handedOut(replayed: boolean, kind: string, n: number): void {
    if (replayed) this.replays.inc({ kind });
    else this.values.inc({ kind }, n);
  }

  constructor(store: Store, processMetrics = true, storeKind: 'file' | 'postgres' = 'file') {
    new Gauge({
      name: 'take_a_number_storage_up',
      help: '1 while the store can write (what /healthz says), else 0',
      registers: [this.registry],
      async collect() {
        const h = await store.health().catch((): StoreHealth => ({ ok: false }));
        this.set(h.ok ? 1 : 0);
        if (h.synchronousStandbys !== undefined) standbys?.set(h.synchronousStandbys);
      },
    });
    // Set by take_a_number_storage_up's collect, which is registered (so collected) before it.
    const standbys =
      storeKind === 'postgres'
        ? new Gauge({
            name: 'take_a_number_database_synchronous_standbys',
            help: 'PostgreSQL: attached standbys that commits wait for (pg_stat_replication sync_state sync or quorum), as /healthz read them',
            registers: [this.registry],
          })
        : undefined;
    new Gauge({
      name: 'take_a_number_build_info',
      help: 'Always 1; the labels tell the version, the Node.js version and the store',
      labelNames: ['version', 'node_version', 'store'] as const,
      registers: [this.registry],
    }).set({ version: VERSION, node_version: process.version, store: storeKind }, 1);
    new Gauge({
      name: 'take_a_number_random_values_left',
      help: 'Values a random pool can still hand out',
      labelNames: ['pool'] as const,
      registers: [this.registry],
      async collect() {
        // While the store is unreachable the gauge keeps its last values; /metrics itself must still answer.
        const pools = await store.pools().catch(() => []);
        for (const p of pools) this.set({ pool: p.name }, domainSize(p.domain) - p.drawn);
      },
    });
    new Gauge({
      name: 'take_a_number_ledger_numbers',
      help: 'Numbers of a ledger sequence by state: reserved (open reservations), expired, voided (a skipped range counts each number); an open reservation past its time counts until the sweep records its expiry',
      labelNames: ['sequence', 'state'] as const,
      registers: [this.registry],
      async collect() {
        const ledgers = await store.ledgerCounts().catch(() => []);
        for (const { sequence_id, counts } of ledgers) for (const state of ['reserved', 'expired', 'voided'] as const) this.set({ sequence: sequence_id, state }, counts[state]);
        },
      });
      new Gauge({
      name: 'take_a_number_lease_numbers',
      help: 'Numbers of a lease pool by state: leased (a live lease), quarantined (expired, not yet free), free',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      async collect() {
        const pools = await store.leasePools().catch(() => []);
        for (const p of pools) for (const state of ['leased', 'quarantined', 'free'] as const) this.set({ pool: p.name, state }, p[state]);
      },
    });
    // Unprefixed (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …): the names stock Node.js dashboards query.
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
    store.onCommit = (s) => {
      this.commitBatch.observe(s.batch);
      this.commitLatency.observe(s.seconds);
    };
    store.onCommitFailure = () => this.commitFailures.inc();
  }
}
