// THE route table: every route of the API, declared once. The router, the HEAD guard, the public set, the
// scope check and the OpenAPI paths are all built from it.
//
// To add a route: write its handler in routes/<area>.ts and its OpenAPI operation in openapi/paths/<area>.ts,
// then add one entry here (a new path parameter also needs its line in openapi/parameters.ts). `allocates`
// and `access` are required: a route that hands values out says so (HEAD is then refused), and a scoped
// token reaches only the scope the entry names: take/admin with the name the store will act on (names.ts:
// sequenceName resolves an id as the store does, poolPathName, builtInPool; pathName checks a name as sent and in NFC).
// `body: 'json'` parses a JSON body of at most 4 KiB before the handler.
import * as consoleDocs from './openapi/paths/console.js';
import * as ledgerDocs from './openapi/paths/ledger.js';
import * as ops from './openapi/paths/operations.js';
import * as poolDocs from './openapi/paths/pools.js';
import * as leaseDocs from './openapi/paths/leases.js';
import { leasePoolName } from './lease-params.js';
import * as leases from './routes/leases.js';
import * as randomDocs from './openapi/paths/random.js';
import * as sequenceDocs from './openapi/paths/sequences.js';
import { CONSOLE_ASSETS_PREFIX } from './console.js';
import { DOCS_ASSETS_PREFIX } from './docs.js';
import { builtInPool, pathName, poolPathName, reservationSequence, sequenceName } from './names.js';
import { admin, DOCS, METRICS, PUBLIC, READ, take, type Route } from './route.js';
import * as consolePage from './routes/console.js';
import * as docs from './routes/docs.js';
import * as ledger from './routes/ledger.js';
import { metrics } from './routes/metrics.js';
import * as pools from './routes/pools.js';
import * as probes from './routes/probes.js';
import * as random from './routes/random.js';
import * as sequences from './routes/sequences.js';

export type { Lifecycle } from './route.js';

export const ROUTES: readonly Route[] = [
  { methods: ['GET', 'POST'], path: '/next/:sequenceId', handler: sequences.next, allocates: true, access: take(sequenceName), doc: sequenceDocs.next },
  { methods: ['GET'], path: '/random', handler: random.drawBuiltIn, allocates: true, access: take(builtInPool), doc: randomDocs.drawBuiltIn },
  { methods: ['GET', 'POST'], path: '/random/:name', handler: random.drawNamed, allocates: true, access: take(poolPathName), doc: randomDocs.drawNamed },
  { methods: ['GET'], path: '/pools', handler: pools.listPools, allocates: false, access: READ, doc: poolDocs.listPools },
  { methods: ['GET'], path: '/pools/:name', handler: pools.getPool, allocates: false, access: READ, doc: poolDocs.getPool },
  { methods: ['PUT'], path: '/pools/:name', handler: pools.definePool, allocates: false, access: admin(poolPathName), doc: poolDocs.definePool, body: 'json' },
  { methods: ['GET'], path: '/pools/:name/values/:value', handler: pools.wasIssued, allocates: false, access: READ, doc: poolDocs.wasIssued },
  { methods: ['GET'], path: '/lease-pools', handler: leases.listLeasePools, allocates: false, access: READ, doc: leaseDocs.listLeasePools },
  { methods: ['GET'], path: '/lease-pools/:name', handler: leases.getLeasePool, allocates: false, access: READ, doc: leaseDocs.getLeasePool },
  { methods: ['PUT'], path: '/lease-pools/:name', handler: leases.defineLeasePool, allocates: false, access: admin(pathName), doc: leaseDocs.defineLeasePool, body: 'json' },
  { methods: ['GET'], path: '/lease-pools/:name/leases', handler: leases.listLeases, allocates: false, access: READ, doc: leaseDocs.listLeases },
  { methods: ['POST'], path: '/lease-pools/:name/acquire', handler: leases.acquire, allocates: true, access: take(pathName), doc: leaseDocs.acquireLease, body: 'json' },
  { methods: ['POST'], path: '/leases/:lease/renew', handler: leases.renew, allocates: true, access: take(leasePoolName), doc: leaseDocs.renewLease, body: 'json' },
  { methods: ['POST'], path: '/leases/:lease/release', handler: leases.release, allocates: true, access: take(leasePoolName), doc: leaseDocs.releaseLease, body: 'json' },
  { methods: ['GET'], path: '/sequences', handler: sequences.listSequences, allocates: false, access: READ, doc: sequenceDocs.listSequences },
  { methods: ['GET'], path: '/sequences/:sequenceId', handler: sequences.getSequence, allocates: false, access: READ, doc: sequenceDocs.getSequence },
  { methods: ['PUT'], path: '/sequences/:sequenceId', handler: sequences.setSequence, allocates: false, access: admin(sequenceName), doc: sequenceDocs.setSequence, body: 'json' },
  { methods: ['GET'], path: '/healthz', handler: probes.health, allocates: false, access: PUBLIC, doc: ops.healthz },
  { methods: ['GET'], path: '/health', handler: probes.health, allocates: false, access: PUBLIC, doc: ops.healthAlias },
  { methods: ['GET'], path: '/livez', handler: probes.live, allocates: false, access: PUBLIC, doc: ops.livez },
  { methods: ['GET'], path: '/readyz', handler: probes.ready, allocates: false, access: PUBLIC, doc: ops.readyz },
  { methods: ['GET'], path: '/metrics', handler: metrics, allocates: false, access: METRICS, doc: ops.metrics, when: (d) => d.metrics !== undefined },
  { methods: ['GET'], path: '/openapi.json', handler: docs.openapi, allocates: false, access: DOCS, doc: ops.openapi },
  { methods: ['GET'], path: '/docs', handler: docs.page, allocates: false, access: DOCS, doc: ops.docs },
  { methods: ['GET'], path: `${DOCS_ASSETS_PREFIX}:asset`, handler: docs.asset, allocates: false, access: DOCS, doc: ops.docsAsset },
  { methods: ['POST'], path: '/reserve/:sequenceId', handler: ledger.reserve, allocates: true, access: take(sequenceName), doc: ledgerDocs.reserve, body: 'meta' },
  { methods: ['GET'], path: '/reservations/:reservation', handler: ledger.getReservation, allocates: false, access: READ, doc: ledgerDocs.getReservation },
  { methods: ['POST'], path: '/reservations/:reservation/confirm', handler: ledger.confirm, allocates: false, access: take(reservationSequence), doc: ledgerDocs.confirm, body: 'meta' },
  { methods: ['POST'], path: '/reservations/:reservation/void', handler: ledger.voidReservation, allocates: false, access: take(reservationSequence), doc: ledgerDocs.voidReservation, body: 'json' },
  { methods: ['POST'], path: '/reservations/:reservation/extend', handler: ledger.extend, allocates: false, access: take(reservationSequence), doc: ledgerDocs.extend, body: 'json' },
  { methods: ['GET'], path: '/sequences/:sequenceId/ledger', handler: ledger.ledger, allocates: false, access: READ, doc: ledgerDocs.ledger },
  { methods: ['GET'], path: '/sequences/:sequenceId/gaps', handler: ledger.gaps, allocates: false, access: READ, doc: ledgerDocs.gaps },
  { methods: ['GET'], path: '/console', handler: consolePage.page, allocates: false, access: DOCS, doc: consoleDocs.consolePage },
  { methods: ['GET'], path: `${CONSOLE_ASSETS_PREFIX}:consoleFile`, handler: consolePage.asset, allocates: false, access: DOCS, doc: consoleDocs.consoleAsset },
];
