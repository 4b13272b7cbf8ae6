// Schema step 3, "pools named": a pool's row is keyed by its name (the column keeps its name
// "kind"). Written to be idempotent, so it runs right whatever other steps ran before it.
export const POOLS_NAMED: readonly string[] = [
  `ALTER TABLE tan_pools DROP CONSTRAINT IF EXISTS tan_pools_kind_check`,
  `ALTER TABLE tan_pools DROP CONSTRAINT IF EXISTS tan_pools_name_check`,
  `ALTER TABLE tan_pools ADD CONSTRAINT tan_pools_name_check CHECK (kind ~ '^[A-Za-z0-9._-]{1,64}$')`,
];
