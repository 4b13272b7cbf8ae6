// Pool identities (domain and key, fixed at creation) cached per instance. A pool created later, here or by
// another instance, is read from the database on its first miss; a name that is not there stays unknown.
import type { Db } from '../connection.js';
import type { PoolInfo } from './ops.js';
import { domainFromJson } from '../pool-definition.js';

export class PoolCache {
  private readonly known = new Map<string, PoolInfo>();

  /** The cached pool, or undefined (call load first). */
  get(name: string): PoolInfo | undefined {
    return this.known.get(name);
  }

  set(name: string, info: PoolInfo): void {
    this.known.set(name, info);
  }

  /** Reads every name of `names` not cached yet (all of them with `fresh`) in one query (inside the caller's transaction when db is its client). */
  async load(db: Db, names: Iterable<string>, fresh = false): Promise<void> {
    const missing = [...new Set(names)].filter((n) => fresh || !this.known.has(n));
    if (missing.length === 0) return;
    const { rows } = await db.query<{ kind: string; domain: Record<string, unknown>; key: string }>(
      'SELECT kind, domain, key FROM tan_pools WHERE kind = ANY($1::text[])',
      [missing],
    );
    for (const r of rows) this.known.set(r.kind, { domain: domainFromJson(r.domain), key: r.key });
  }
}
