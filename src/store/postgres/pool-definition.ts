// A pool's definition as stored in tan_pools.domain (jsonb): the same parser as PUT /pools.
import { parseDefinition } from '../../random/definition.js';
import type { PoolDomain } from '../../random/domain.js';

/** A pool's domain as stored in its jsonb column; a stored definition that does not parse is damage. */
export function domainFromJson(o: Record<string, unknown>): PoolDomain {
  const parsed = parseDefinition(o);
  if ('problem' in parsed) throw new Error(`a stored pool definition is invalid: ${parsed.problem}`);
  return parsed.domain;
}
