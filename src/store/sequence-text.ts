// The "sequences" part of the state text, kept between commits: ids are grouped in buckets of the file's
// order, and a commit re-serialises only the buckets holding an id that changed since the last one.
import { sequenceLine } from './state.js';

const BUCKET = 256;

export class SequenceText {
  /** Ids in file order (the map's insertion order). */
  private readonly ids: string[] = [];
  /** Position of each id in `ids`. */
  private readonly index = new Map<string, number>();
  /** Comma-joined lines of each bucket of BUCKET ids. */
  private readonly buckets: string[] = [];
  private readonly changed = new Set<string>();

  constructor(private readonly sequences: ReadonlyMap<string, number>) {
    for (const id of sequences.keys()) {
      this.index.set(id, this.ids.length);
      this.ids.push(id);
    }
    for (let b = 0; b * BUCKET < this.ids.length; b++) this.buckets.push(this.join(b));
  }

  private join(bucket: number): string {
    const start = bucket * BUCKET;
    const lines = new Array<string>(Math.min(this.ids.length, start + BUCKET) - start);
    for (let i = 0; i < lines.length; i++) {
      const id = this.ids[start + i]!;
      lines[i] = sequenceLine(id, this.sequences.get(id)!);
    }
    // join() gives one flat string; += would keep every line alive inside a rope.
    return lines.join(',\n');
  }

  /** Notes that `id` was set in the map (new or moved); its bucket is redone at the next commit. */
  touch(id: string): void {
    this.changed.add(id);
  }

  /** The entries as comma-joinable pieces, equal to serializeSequences(map) joined the same way. */
  pieces(): string[] {
    if (this.changed.size === 0) return this.buckets;
    const dirty = new Set<number>();
    for (const id of this.changed) {
      let at = this.index.get(id);
      if (at === undefined) {
        at = this.ids.length;
        this.index.set(id, at);
        this.ids.push(id);
      }
      dirty.add(Math.floor(at / BUCKET));
    }
    this.changed.clear();
    for (const b of dirty) this.buckets[b] = this.join(b);
    return this.buckets;
  }
}
