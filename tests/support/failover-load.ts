// The load of the failover tests: clients on /next and /random over several instances, every answer kept with
// its time, and what the answers show (values in two 2xx answers, the failover time, what each instance answered).

export const SEQUENCE_IDS = ['a', 'b', 'c'];

export interface Timed {
  /** ms since the load started, when the answer arrived. */
  at: number;
  instance: number;
  kind: string;
  status: number;
  code?: string;
  values: (number | string)[];
}

export interface Load {
  answers: Timed[];
  /** ms since the load started. */
  now(): number;
  stop(): Promise<void>;
}

const PATHS = [...SEQUENCE_IDS.map((id) => ({ kind: id, path: `/next/${id}` })), { kind: 'int', path: '/random?type=int&count=2' }, { kind: 'float', path: '/random?type=float&count=2' }];

/** `clients` loops over `urls` (client i on instance i mod n), each request after the last one's answer. */
export function startLoad(urls: string[], clients: number): Load {
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;
  const answers: Timed[] = [];
  let stopped = false;
  const client = async (c: number): Promise<void> => {
    const instance = c % urls.length;
    for (let i = c; !stopped; i++) {
      const { kind, path } = PATHS[i % PATHS.length]!;
      try {
        const res = await fetch(`${urls[instance]}${path}`, { signal: AbortSignal.timeout(30_000) });
        const body = (await res.json()) as Record<string, unknown>;
        const values = res.status !== 200 ? [] : kind === 'int' || kind === 'float' ? (body.numbers as number[]) : [body.next_value as number];
        answers.push({ at: now(), instance, kind, status: res.status, ...(typeof body.code === 'string' ? { code: body.code } : {}), values });
      } catch (e) {
        answers.push({ at: now(), instance, kind, status: -1, code: String(e), values: [] });
      }
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  return {
    answers,
    now,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Values of one kind found in more than one 2xx answer (or twice in one). */
export function duplicates(answers: Timed[]): { kind: string; value: number | string }[] {
  const seen = new Map<string, Set<number | string>>();
  const twice: { kind: string; value: number | string }[] = [];
  for (const a of answers) {
    if (a.status !== 200) continue;
    const set = seen.get(a.kind) ?? new Set();
    seen.set(a.kind, set);
    for (const v of a.values) {
      if (set.has(v)) twice.push({ kind: a.kind, value: v });
      set.add(v);
    }
  }
  return twice;
}

/** The highest value answered per sequence, and the count of values answered per random pool. */
export function answeredTops(answers: Timed[]): Map<string, number> {
  const tops = new Map<string, number>();
  for (const a of answers) {
    if (a.status !== 200) continue;
    if (a.kind === 'int' || a.kind === 'float') tops.set(a.kind, (tops.get(a.kind) ?? 0) + a.values.length);
    else tops.set(a.kind, Math.max(tops.get(a.kind) ?? 0, ...(a.values as number[])));
  }
  return tops;
}

/** First non-200 answer at or after `from`, and the first 200 after it (overall and per instance). */
export function outage(answers: Timed[], from: number, instances: number): { first503?: number; first200?: number; perInstance: (number | undefined)[]; lost: number } {
  const byTime = answers.filter((a) => a.at >= from).sort((x, y) => x.at - y.at);
  const first503 = byTime.find((a) => a.status !== 200)?.at;
  const after = first503 === undefined ? [] : byTime.filter((a) => a.at > first503);
  const first200 = after.find((a) => a.status === 200)?.at;
  // An instance serves again at its first 200 after its own last failure.
  const perInstance = Array.from({ length: instances }, (_, i) => {
    const mine = byTime.filter((a) => a.instance === i);
    const lastFail = [...mine].reverse().find((a) => a.status !== 200)?.at;
    return lastFail === undefined ? undefined : mine.find((a) => a.at > lastFail && a.status === 200)?.at;
  });
  return { first503, first200, perInstance, lost: byTime.filter((a) => a.status !== 200).length };
}
