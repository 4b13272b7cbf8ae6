// Going backwards: each instance remembers, in memory, the highest position it answered per row (a sequence and
// its period, a random pool, and whatever other tables register a kind). A database that holds a row below it
// lost commits this instance answered (a failover to a standby that lacked them), and handing out from that row
// would repeat values; the row is refused until an operator moves it forward.
import type { Logger } from 'pino';
import { ServiceError } from '../../errors.js';
import { comparePeriods } from '../../series/period.js';
import type { Db } from './connection.js';

/** Where a row's counter stands: its value, in a period for sequences that reset. */
export interface Position {
  value: number;
  period?: string;
}

/** One kind of row: how to read the named rows' positions (a missing row reads as value 0) and how to name them. */
export interface RowKind {
  read(db: Db, names: string[]): Promise<Map<string, Position>>;
  /** What an operator reads in a log line: `sequence "a"`. */
  describe(name: string): string;
  /** The SQL line that moves the row forward to `to` (never back). */
  forwardSql(name: string, to: Position): string;
}

interface Lost {
  holds: Position;
  answered: Position;
}

/** Whether `a` is below `b`. A change between plain and period-resetting cannot be compared and is not below. */
function below(a: Position, b: Position): boolean {
  if (a.period !== undefined && b.period !== undefined && a.period !== b.period) return comparePeriods(a.period, b.period) < 0;
  if ((a.period === undefined) !== (b.period === undefined)) return false;
  return a.value < b.value;
}

const show = (p: Position): string => (p.period === undefined ? String(p.value) : `${p.value} in period ${p.period}`);

export class HighWater {
  private readonly kinds = new Map<string, RowKind>();
  private readonly marks = new Map<string, Map<string, Position>>();
  private readonly lost = new Map<string, Map<string, Lost>>();

  /** `enabled: false` is the test-only switch that proves the failover test can fail. */
  constructor(
    private readonly log: Logger,
    private readonly enabled = true,
  ) {}

  /** Adds a kind of row (sequences and pools here; the ledger and lease tables register theirs). */
  register(kind: string, rows: RowKind): void {
    this.kinds.set(kind, rows);
    this.marks.set(kind, new Map());
    this.lost.set(kind, new Map());
  }

  /** Records a position handed out (its commit succeeded): the row's counter after it. */
  answered(kind: string, name: string, at: Position): void {
    if (!this.enabled) return;
    const marks = this.marks.get(kind)!;
    const before = marks.get(name);
    if (before === undefined || below(before, at)) marks.set(name, at);
  }

  /** The refusal for a row found behind, while it is behind. */
  refusal(kind: string, name: string): ServiceError | undefined {
    const lost = this.lost.get(kind)?.get(name);
    if (lost === undefined) return undefined;
    const rows = this.kinds.get(kind)!;
    const what = rows.describe(name);
    return new ServiceError(
      'database_went_backwards',
      `the database holds ${what} at ${show(lost.holds)}, below ${show(lost.answered)} that this instance already handed out: it lost commits ` +
        `(a failover to a standby that lacked them); nothing was handed out. Check the highest value every instance handed out, then move it forward: ` +
        rows.forwardSql(name, lost.answered),
      { holds: lost.holds.value, answered: lost.answered.value },
    );
  }

  /**
   * The row's position before an allocation, as the database returned it. Below a position already answered is
   * proof that the database went backwards: the row is refused from now on. Returns the refusal, if any.
   */
  check(kind: string, name: string, holds: Position): ServiceError | undefined {
    if (!this.enabled) return undefined;
    const answered = this.marks.get(kind)!.get(name);
    const lost = this.lost.get(kind)!;
    if (answered !== undefined && below(holds, answered) && !lost.has(name)) {
      lost.set(name, { holds, answered });
      const what = this.kinds.get(kind)!.describe(name);
      this.log.fatal(
        { event: 'database_went_backwards', kind, name, holds: holds.value, answered: answered.value, ...(answered.period ? { period: answered.period } : {}) },
        `the database went backwards: it holds ${what} at ${show(holds)}, but this instance handed out up to ${show(answered)}; ` +
          `values ${holds.value + 1} to ${answered.value} were lost by the database and may have been handed out. Refusing ${what} until it is moved forward: ` +
          this.kinds.get(kind)!.forwardSql(name, answered),
      );
    }
    return this.refusal(kind, name);
  }

  /** Whether any row of `kind` is refused (then a batch re-reads those rows first). */
  anyRefused(kind: string): boolean {
    return (this.lost.get(kind)?.size ?? 0) > 0;
  }

  /** Reads the refused rows among `names` again and lifts the refusal of those an operator moved forward. */
  async recheck(db: Db, kind: string, names: Iterable<string>): Promise<void> {
    const lost = this.lost.get(kind)!;
    const refused = [...new Set(names)].filter((n) => lost.has(n));
    if (refused.length === 0) return;
    const now = await this.kinds.get(kind)!.read(db, refused);
    for (const name of refused) {
      const l = lost.get(name)!;
      const holds = now.get(name) ?? { value: 0 };
      if (below(holds, l.answered)) continue;
      lost.delete(name);
      this.log.warn({ event: 'database_moved_forward', kind, name, holds: holds.value }, `${this.kinds.get(kind)!.describe(name)} was moved forward to ${show(holds)}; handing out from it again`);
    }
  }

  /** After a reconnect: reads every remembered row of every kind, refuses those behind and lifts those moved forward. */
  async verify(db: Db): Promise<void> {
    if (!this.enabled) return;
    for (const [kind, rows] of this.kinds) {
      const names = [...new Set([...this.marks.get(kind)!.keys(), ...this.lost.get(kind)!.keys()])];
      if (names.length === 0) continue;
      await this.recheck(db, kind, names);
      const now = await rows.read(db, names);
      for (const name of names) this.check(kind, name, now.get(name) ?? { value: 0 });
    }
  }
}
