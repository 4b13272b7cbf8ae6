// The in-memory state of the file store and its one JSON text form (stable key order, one entry per line).
import type { PoolKind } from '../random/domain.js';
import type { IssueDate } from '../series/format.js';
import { seriesToJson } from '../series/json.js';
import type { SeriesState } from '../series/sequence.js';
import type { PoolState } from './store.js';

export const FORMAT = 1;

export type IdempotentResult =
  | { kind: 'next'; first: number; last: number; period?: string; date?: IssueDate }
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
  /** [series] Settings and periods of the sequences that have settings; the value stays in `sequences`. */
  series: Map<string, SeriesState>;
  /** Insertion order is age order: the first entry is the oldest. */
  idempotency: Map<string, IdempotencyEntry>;
}

export const emptyState = (): State => ({ generation: 0, sequences: new Map(), random: {}, series: new Map(), idempotency: new Map() });

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
  for (const kind of ['int', 'float'] as const) {
    const p = state.random[kind];
    if (p) pools.push(entry(kind, JSON.stringify({ ...p.domain, key: p.key, drawn: p.drawn })));
  }
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
  // [series] Written only when some sequence has settings: a state without them keeps its old text.
  const series: string[] = [];
  for (const [id, s] of state.series) series.push(entry(id, JSON.stringify(seriesToJson(s))));
  pieces.push(section('random', pools) + (series.length > 0 ? section('series', series) : '') + section('idempotency', idem, true) + '}\n');
  return pieces;
}

/** The state file text. */
export function serialize(state: State, sequenceLines: readonly string[] = serializeSequences(state.sequences)): string {
  return serializePieces(state, sequenceLines).join('');
}
