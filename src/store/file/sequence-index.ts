// The indexes over sequence ids that reads use: the sorted ids GET /sequences pages through (sorted at
// start, not inside a request), and the ids stored before NFC normalization by their NFC form (on first use).
import { isNfc } from '../../ids.js';
import { SortedIds } from '../../sorted-ids.js';
import type { State } from './state.js';

function addTwin(map: Map<string, string[]>, id: string): void {
  const nfc = id.normalize('NFC');
  map.set(nfc, [...(map.get(nfc) ?? []), id]);
}

export class SequenceIndex {
  private readonly sorted: SortedIds;
  private nonNfc: Map<string, string[]> | undefined;

  constructor(private readonly state: State) {
    this.sorted = new SortedIds(() => state.sequences.keys());
    this.sorted.prepare();
  }

  /** Notes an id the state did not hold before. */
  added(id: string): void {
    this.sorted.add(id);
    if (this.nonNfc && !isNfc(id)) addTwin(this.nonNfc, id);
  }

  /** Up to `limit` ids in order, after `after`, starting with `prefix`. */
  page(limit: number, after?: string, prefix?: string): string[] {
    return this.sorted.page(limit, after, prefix);
  }

  /** The stored ids other than `nfc` whose NFC form is `nfc`. */
  twins(nfc: string): string[] {
    if (!this.nonNfc) {
      this.nonNfc = new Map();
      for (const id of this.state.sequences.keys()) if (!isNfc(id)) addTwin(this.nonNfc, id);
    }
    return (this.nonNfc.get(nfc) ?? []).filter((id) => id !== nfc);
  }
}
