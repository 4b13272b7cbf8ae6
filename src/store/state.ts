// The in-memory state of the file store and its one JSON text form (stable key order, one entry per line).
import type { PoolKind } from '../random/domain.js';
import type { PoolState } from './store.js';

export const FORMAT = 1;

export type IdempotentResult =
  | { kind: 'next'; first: number; last: number }
  | { kind: 'draw'; pool: PoolKind; start: number; count: number };

export interface IdempotencyEntry {
  fingerprint: string;
  /** When the key was first used, epoch milliseconds. */
  at: number;
  result: IdempotentResult;
}

export interface State {
  generation: number;
  /** Insertion order is the file's order. */
  sequences: Map<string, number>;
  random: Partial<Record<PoolKind, PoolState>>;
  /** Insertion order is age order: the first entry is the oldest. */
  idempotency: Map<string, IdempotencyEntry>;
}

export const emptyState = (): State => ({ generation: 0, sequences: new Map(), random: {}, idempotency: new Map() });

const entry = (key: string, value: string): string => `    ${JSON.stringify(key)}: ${value}`;

function section(name: string, lines: string[], last = false): string {
  const body = lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n  }`;
  return `  "${name}": ${body}${last ? '' : ','}\n`;
}

export function serializeSequences(sequences: Map<string, number>): string[] {
  const lines: string[] = new Array(sequences.size);
  let i = 0;
  for (const [id, value] of sequences) lines[i++] = entry(id, String(value));
  return lines;
}

/** The state file text. `sequenceLines` lets a caller reuse lines it already has. */
export function serialize(state: State, sequenceLines: string[] = serializeSequences(state.sequences)): string {
  const pools: string[] = [];
  for (const kind of ['int', 'float'] as const) {
    const p = state.random[kind];
    if (p) pools.push(entry(kind, JSON.stringify({ ...p.domain, key: p.key, drawn: p.drawn })));
  }
  const idem: string[] = [];
  for (const [key, e] of state.idempotency) idem.push(entry(key, JSON.stringify({ request: e.fingerprint, at: e.at, result: e.result })));
  return (
    `{\n  "format": ${FORMAT},\n  "generation": ${state.generation},\n` +
    section('sequences', sequenceLines) +
    section('random', pools) +
    section('idempotency', idem, true) +
    '}\n'
  );
}
