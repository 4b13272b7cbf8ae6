// A sorted index of sequence ids for paged listing: sorted once, new ids merged in at the next page, so a
// page costs a binary search and `limit` steps instead of sorting every id.
import { compareIds, prefixEnd } from './ids.js';

const HIGH = /[\ud800-\uffff]/;

export class SortedIds {
  private sorted: string[] | undefined;
  private pending: string[] = [];

  constructor(private readonly all: () => Iterable<string>) {}

  /** Sorts now (at start, before requests are served), so that no request waits for the first sort. */
  prepare(): void {
    this.ids();
  }

  /** Notes a new id (call once per id). */
  add(id: string): void {
    if (this.sorted) this.pending.push(id);
  }

  private ids(): string[] {
    if (!this.sorted) {
      const ids = [...this.all()];
      // Without code points past U+D7FF, code unit order is code point order: the engine's own sort is faster and leaner.
      this.sorted = ids.some((id) => HIGH.test(id)) ? ids.sort(compareIds) : ids.sort();
      this.pending = [];
    } else if (this.pending.length > 0) {
      const add = this.pending.sort(compareIds);
      const old = this.sorted;
      const merged = new Array<string>(old.length + add.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < old.length && j < add.length) merged[k++] = compareIds(old[i]!, add[j]!) <= 0 ? old[i++]! : add[j++]!;
      while (i < old.length) merged[k++] = old[i++]!;
      while (j < add.length) merged[k++] = add[j++]!;
      this.sorted = merged;
      this.pending = [];
    }
    return this.sorted;
  }

  /** Ids above `after` that start with `prefix`, at most `limit`, in order. */
  page(limit: number, after?: string, prefix?: string): string[] {
    const ids = this.ids();
    // The first index whose id is above `after` and not below `prefix`.
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const id = ids[mid]!;
      const before = (after !== undefined && compareIds(id, after) <= 0) || (prefix !== undefined && compareIds(id, prefix) < 0);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    const end = prefix === undefined ? undefined : prefixEnd(prefix);
    const out: string[] = [];
    for (let i = lo; i < ids.length && out.length < limit; i++) {
      const id = ids[i]!;
      if (end !== undefined && compareIds(id, end) >= 0) break;
      out.push(id);
    }
    return out;
  }
}
