// Schema step 5 (schema.ts), lease pools: one row per pool with its fence, one row per number ever leased
// holding its latest lease. Times are the database's (now()); written to be idempotent.
export const LEASES_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS tan_lease_pools (
     name       text COLLATE "C" PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
     min        bigint NOT NULL CHECK (min >= 0),
     max        bigint NOT NULL,
     ttl        integer NOT NULL CHECK (ttl BETWEEN 1 AND 86400),
     quarantine integer NOT NULL CHECK (quarantine BETWEEN 0 AND 86400),
     fence      bigint NOT NULL DEFAULT 0 CHECK (fence >= 0),
     CHECK (min <= max AND max - min < 65536))`,
  `CREATE TABLE IF NOT EXISTS tan_leases (
     pool       text COLLATE "C" NOT NULL REFERENCES tan_lease_pools (name),
     number     bigint NOT NULL,
     lease      text COLLATE "C" NOT NULL,
     holder     text NOT NULL,
     fence      bigint NOT NULL CHECK (fence >= 1),
     expires_at timestamptz NOT NULL,
     ttl        integer NOT NULL,
     meta       jsonb,
     ended      text CHECK (ended IN ('released', 'expired')),
     PRIMARY KEY (pool, number))`,
  `CREATE INDEX IF NOT EXISTS tan_leases_holder ON tan_leases (pool, holder)`,
];
