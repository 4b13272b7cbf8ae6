// Idempotency keys of the file store: bounded in number (oldest dropped first) and expiring after a TTL.
// Dropping needs no record: replay adds the same keys in the same order and bounds them the same way.
import { idempotencyKeyReused } from '../rules/refusals.js';
import type { Idempotency, IdempotencyEntry, IdempotentResult } from '../store.js';

export class IdempotencyCache {
  constructor(
    private readonly entries: Map<string, IdempotencyEntry>,
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.bound();
  }

  /** The first answer for this key, or undefined; throws if the key was used for another request. */
  lookup(idem: Idempotency): IdempotentResult | undefined {
    const entry = this.entries.get(idem.key);
    if (!entry) return undefined;
    if (entry.at + this.ttlMs <= this.now()) {
      this.entries.delete(idem.key);
      return undefined;
    }
    if (entry.fingerprint !== idem.fingerprint) throw idempotencyKeyReused(entry.fingerprint);
    return entry.result;
  }

  /** The entry to store for a new key; room is made for it first. */
  entry(idem: Idempotency, result: IdempotentResult): IdempotencyEntry {
    while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    return { fingerprint: idem.fingerprint, at: this.now(), result };
  }

  /** Drops expired keys (they are in age order, so it stops at the first live one) and keeps the bound. */
  expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [key, entry] of this.entries) {
      if (entry.at > cutoff) break;
      this.entries.delete(key);
    }
  }

  private bound(): void {
    this.expire();
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}
