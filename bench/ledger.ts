// Every value the service answered, to check at the end that the state file covers each one exactly once.
import type { State } from '../src/store/state.js';

export class Ledger {
  private readonly sequences = new Map<string, { initial: number; values: Set<number> }>();
  private readonly numbers = { int: new Set<string>(), float: new Set<string>() };
  private readonly okDraws = { int: 0, float: 0 };
  private duplicates = 0;
  /** Requests whose answer we may not have seen (cut at the end of a run, or refused): each may have used one value. */
  private unseen = 0;

  constructor(private readonly initial: Map<string, number>) {}

  /** Records one /next answer body (`{"sequence_id":…,"next_value":N}`). */
  next(status: number, body: string): void {
    if (status !== 200) {
      this.unseen++;
      return;
    }
    const { sequence_id: id, next_value: value } = JSON.parse(body) as { sequence_id: string; next_value: number };
    let entry = this.sequences.get(id);
    if (!entry) this.sequences.set(id, (entry = { initial: this.initial.get(id) ?? 0, values: new Set() }));
    if (entry.values.has(value)) this.duplicates++;
    entry.values.add(value);
  }

  /** Records one /random answer body (`{"number":X}`); the number is kept as its exact JSON text. */
  random(kind: 'int' | 'float', status: number, body: string): void {
    if (status !== 200) return;
    const token = body.slice(body.indexOf(':') + 1, body.lastIndexOf('}'));
    if (this.numbers[kind].has(token)) this.duplicates++;
    this.numbers[kind].add(token);
    this.okDraws[kind]++;
  }

  /** Requests that were in flight when a run was cut: their answers were never read. */
  addUnseen(n: number): void {
    this.unseen += n;
  }

  /** Problems found comparing the answers with a copy of the state as written; empty means the check passed. */
  check(state: State, label: string): string[] {
    const problems: string[] = [];
    if (this.duplicates > 0) problems.push(`${label}: ${this.duplicates} values were answered twice`);
    let gap = 0;
    for (const [id, { initial, values }] of this.sequences) {
      const stored = state.sequences.get(id);
      if (stored === undefined) {
        problems.push(`${label}: sequence ${id} answered ${values.size} values but is missing from the file`);
        continue;
      }
      let max = initial;
      for (const v of values) {
        if (v <= initial) problems.push(`${label}: ${id} answered ${v}, at or below its starting value ${initial}`);
        max = Math.max(max, v);
      }
      if (max > stored) problems.push(`${label}: ${id} answered ${max} but the file holds ${stored}`);
      if (stored - initial < values.size) problems.push(`${label}: ${id} answered ${values.size} values but the file moved only ${stored - initial}`);
      gap += stored - initial - values.size;
    }
    if (gap > this.unseen) problems.push(`${label}: the file moved ${gap} values past the answers seen, more than the ${this.unseen} unanswered requests explain`);
    for (const kind of ['int', 'float'] as const) {
      const drawn = state.random.get(kind)?.drawn ?? 0;
      if (drawn < this.okDraws[kind]) problems.push(`${label}: ${this.okDraws[kind]} ${kind} numbers answered but the file records ${drawn} drawn`);
    }
    return problems;
  }

  /** Answers counted, for the report. */
  answered(): number {
    let n = this.okDraws.int + this.okDraws.float;
    for (const { values } of this.sequences.values()) n += values.size;
    return n;
  }
}
