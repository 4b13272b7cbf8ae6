// The in-memory state of the file store and its one JSON text form (stable key order, one entry per line).
import { definitionJson } from '../random/definition.js';
import type { PoolState } from './store.js';

export const FORMAT = 1;

export type IdempotentResult =
  | { kind: 'next'; first: number; last: number }
  | { kind: 'draw'; pool: string; start: number; count: number };

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
  /** Random pools by name: "int" and "float" (RANDOM_*) and the named pools of PUT /pools (issue 12). */
  random: Map<string, PoolState>;
  /** Insertion order is age order: the first entry is the oldest. */
  idempotency: Map<string, IdempotencyEntry>;
}

export const emptyState = (): State => ({ generation: 0, sequences: new Map(), random: new Map(), idempotency: new Map() });

const entry = (key: string, value: string): string => `    ${JSON.stringify(key)}: ${value}`;

function section(name: string, lines: string[], last = false): string {
  const body = lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n  }`;
  return `  "${name}": ${body}${last ? '' : ','}\n`;
}

/** One line of the "sequences" object. */
export const sequenceLine = (id: string, value: number): string => entry(id, String(value));

export function serializeSequences(sequences: Map<string, number>): string[] {
  const lines: string[] = new Array(sequences.size);
  let i = 0;
  for (const [id, value] of sequences) lines[i++] = sequenceLine(id, value);
  return lines;
}

/**
 * The state file text as pieces whose concatenation is the text. `sequenceLines` lets a caller reuse lines
 * it already has (or comma-joined runs of them); they are passed through, not copied into one string.
 */
export function serializePieces(state: State, sequenceLines: readonly string[] = serializeSequences(state.sequences)): string[] {
  const pools: string[] = [];
  for (const [name, p] of state.random) pools.push(entry(name, JSON.stringify({ ...definitionJson(p.domain), key: p.key, drawn: p.drawn })));
  const idem: string[] = [];
  for (const [key, e] of state.idempotency) idem.push(entry(key, JSON.stringify({ request: e.fingerprint, at: e.at, result: e.result })));
  const pieces = [`{\n  "format": ${FORMAT},\n  "generation": ${state.generation},\n  "sequences": `];
  if (sequenceLines.length === 0) pieces.push('{},\n');
  else {
    pieces.push('{\n');
    for (let i = 0; i < sequenceLines.length; i++) {
      if (i > 0) pieces.push(',\n');
      pieces.push(sequenceLines[i]!);
    }
    pieces.push('\n  },\n');
  }
  pieces.push(section('random', pools) + section('idempotency', idem, true) + '}\n');
  return pieces;
}

/** The state file text. */
export function serialize(state: State, sequenceLines: readonly string[] = serializeSequences(state.sequences)): string {
  return serializePieces(state, sequenceLines).join('');
}
