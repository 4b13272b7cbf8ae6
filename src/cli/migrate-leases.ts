// How `migrate` combines the lease pools of source and target: per number the later lease (fence, then an
// end, then the expiry), and each pool's fence the higher of the two, so no fence is ever handed out again.
import { sameLeaseDefinition } from '../leases/definition.js';
import { newerSlot } from '../leases/pool.js';
import type { LeasePoolExport } from '../store/leases.js';
import type { StateExport } from '../store/store.js';

/** Throws a message (the caller's refusal) when a pool of the same name has another definition. */
export function mergeLeases(source: StateExport['leases'], target: StateExport['leases'], refuse: (why: string) => never): StateExport['leases'] {
  const out = new Map(target);
  for (const [name, from] of source) {
    const there = target.get(name);
    if (!there) {
      out.set(name, from);
      continue;
    }
    if (!sameLeaseDefinition(there.definition, from.definition))
      refuse(`the lease pool "${name}" has another definition in the target; the two cannot be combined. Nothing was changed.`);
    const slots = new Map(there.slots.map((s) => [s.number, s]));
    for (const s of from.slots) if (newerSlot(s, slots.get(s.number))) slots.set(s.number, s);
    const merged: LeasePoolExport = { definition: from.definition, fence: Math.max(from.fence, there.fence), slots: [...slots.values()].sort((a, b) => a.number - b.number) };
    out.set(name, merged);
  }
  return out;
}
