// A lease pool in memory ↔ its export (StateExport.leases), for migrate and backup.
import { LeasePool } from '../../../leases/pool.js';
import type { LeasePoolExport } from '../../leases.js';

export function exportLeasePool(p: LeasePool): LeasePoolExport {
  const slots = [...p.slots].sort((a, b) => a[0] - b[0]).map(([offset, s]) => ({ number: p.definition.min + offset, ...s }));
  return { definition: p.definition, fence: p.fence, slots };
}

export function importLeasePool(e: LeasePoolExport): LeasePool {
  const pool = new LeasePool(e.definition, e.fence);
  for (const { number, ...slot } of e.slots) pool.put(number - e.definition.min, slot);
  return pool;
}
