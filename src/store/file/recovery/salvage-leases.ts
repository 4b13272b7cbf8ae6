// The lease pools of a salvage: every definition that can be read, the highest fence read anywhere for each
// pool (its own, its slots', from snapshots and journal lines), and each number's latest readable lease.
// A salvage runs only because something could not be read, and a grant may be in it: so every number not read
// as leased is held by a placeholder lease, which the start's revival keeps for the ttl, then the quarantine.
import { parseLeaseDefinition, type LeasePoolDefinition } from '../../../leases/definition.js';
import { LeasePool, newerSlot, type LeaseSlot } from '../../../leases/pool.js';
import { changesFrom, leasePoolFrom, slotFrom } from '../leases/json.js';
import type { State } from '../state.js';

/** The holder of a placeholder lease: no lease id of it can be renewed or released. */
export const SALVAGE_HOLDER = 'take-a-number salvage';

/** The JSON object that starts at `text[from]` ("{"), or undefined when the text ends inside it. */
function objectAt(text: string, from: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(from, i + 1);
  }
  return undefined;
}

export class LeaseSalvage {
  private readonly definitions = new Map<string, LeasePoolDefinition>();
  private readonly fences = new Map<string, number>();
  private readonly slots = new Map<string, Map<number, LeaseSlot>>();

  private fence(name: string, f: number): void {
    if (Number.isSafeInteger(f)) this.fences.set(name, Math.max(this.fences.get(name) ?? 0, f));
  }

  private slot(name: string, number: number, s: LeaseSlot): void {
    let m = this.slots.get(name);
    if (!m) this.slots.set(name, (m = new Map()));
    if (newerSlot(s, m.get(number))) m.set(number, s);
    this.fence(name, s.fence);
  }

  private definition(name: string, d: LeasePoolDefinition): void {
    if (!this.definitions.has(name)) this.definitions.set(name, d);
    this.fences.set(name, this.fences.get(name) ?? 0);
  }

  /** One snapshot text, whole or damaged: its "leases" section, a pool per line. */
  snapshot(text: string): void {
    const at = text.search(/\n {2}"leases"\s*:/);
    if (at < 0) return;
    const end = text.slice(at + 1).search(/\n {2}"idempotency"\s*:/);
    const region = text.slice(at, end >= 0 ? at + 1 + end : undefined);
    const line = /\n {4}"([A-Za-z0-9._-]{1,64})": (\{[^\n]*)/g;
    for (let m = line.exec(region); m; m = line.exec(region)) this.poolLine(m[1]!, m[2]!.replace(/,$/, ''));
  }

  private poolLine(name: string, body: string): void {
    try {
      const pool = leasePoolFrom(JSON.parse(body), name);
      this.definition(name, pool.definition);
      this.fence(name, pool.fence);
      for (const [offset, s] of pool.slots) this.slot(name, pool.definition.min + offset, s);
      return;
    } catch {
      // A damaged line: what can still be read of it, piece by piece.
    }
    const def = /"definition":(\{[^{}]*\})/.exec(body);
    if (def) {
      try {
        const parsed = parseLeaseDefinition(JSON.parse(def[1]!));
        if ('definition' in parsed) this.definition(name, parsed.definition);
      } catch {
        // unreadable definition
      }
    }
    for (const f of body.matchAll(/"fence":(\d{1,16})/g)) this.fence(name, Number(f[1]));
    for (const s of body.matchAll(/"(\d{1,16})":\{"lease":/g)) {
      const object = objectAt(body, s.index + s[0].indexOf('{'));
      try {
        if (object) this.slot(name, Number(s[1]), slotFrom(JSON.parse(object), `leases.${name}.slots[${s[1]}]`));
      } catch {
        // unreadable slot: its number is held by a placeholder
      }
    }
  }

  /** One journal record's "leases" section (a line that parsed as JSON). */
  record(leases: Record<string, unknown>): void {
    for (const name in leases) {
      try {
        const c = changesFrom({ [name]: leases[name] })[name]!;
        if (c.definition) this.definition(name, c.definition);
        this.fence(name, c.fence);
        for (const key in c.slots ?? {}) this.slot(name, Number(key), c.slots![key]!);
      } catch {
        const f = (leases[name] as { fence?: unknown } | null)?.fence;
        if (typeof f === 'number') this.fence(name, f);
      }
    }
  }

  /** Puts the salvaged pools into `state`; notes say what each pool kept and what was left out. */
  finish(state: State, notes: string[]): void {
    const names = new Set([...this.fences.keys(), ...this.slots.keys()]);
    for (const name of [...names].sort()) {
      const def = this.definitions.get(name);
      const fence = this.fences.get(name) ?? 0;
      if (!def) {
        notes.push(`lease pool "${name}" could not be read and is left out (highest fence read: ${fence}): defining it again starts its fences at 1, which resources that saw its fences refuse`);
        continue;
      }
      if (state.pools.has(name)) {
        notes.push(`lease pool "${name}" is left out: a random pool has the same name`);
        continue;
      }
      const pool = new LeasePool(def, fence);
      const read = this.slots.get(name) ?? new Map<number, LeaseSlot>();
      let held = 0;
      for (let n = def.min; n <= def.max; n++) {
        const s = read.get(n);
        if (s && !s.ended) pool.put(n - def.min, s);
        else {
          // Expired at once: the start's revival makes it count as live for the ttl, then the quarantine.
          pool.put(n - def.min, { lease: `salvaged~${name}~${n}`, holder: SALVAGE_HOLDER, fence: s?.fence ?? 0, expiresAt: 0, ttl: def.ttl });
          held++;
        }
      }
      state.leases.set(name, pool);
      notes.push(`lease pool "${name}" salvaged with fence ${fence} and ${def.max - def.min + 1 - held} leases read as live; its ${held} other numbers are held for its ttl and quarantine, since a lease granted in what could not be read may still be live`);
    }
  }
}
