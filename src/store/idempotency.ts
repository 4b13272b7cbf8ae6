// Idempotency keys of the file store: bounded in number (oldest dropped first) and expiring after a TTL.
import { ServiceError } from '../errors.js';
import type { IdempotencyEntry, IdempotentResult } from './state.js';
import type { Idempotency } from './store.js';

export class IdempotencyCache {
  constructor(
    private readonly entries: Map<string, IdempotencyEntry>,
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The first answer for this key, or undefined; throws if the key was used for another request. */
  lookup(idem: Idempotency): IdempotentResult | undefined {
    const entry = this.entries.get(idem.key);
    if (!entry) return undefined;
    if (entry.at + this.ttlMs <= this.now()) {
      this.entries.delete(idem.key);
      return undefined;
    }
    if (entry.fingerprint !== idem.fingerprint)
      throw new ServiceError('idempotency_key_reused', `the Idempotency-Key was first used for another request (${entry.fingerprint})`);
    return entry.result;
  }

  remember(idem: Idempotency, result: IdempotentResult): void {
    while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(idem.key, { fingerprint: idem.fingerprint, at: this.now(), result });
  }

  /** Drops expired keys; they are in age order, so it stops at the first live one. */
  expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [key, entry] of this.entries) {
      if (entry.at > cutoff) break;
      this.entries.delete(key);
    }
  }
}
