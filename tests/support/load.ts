// A small load driver for the PostgreSQL process tests: run tasks with bounded concurrency, poll with a deadline.

/** Runs every task with at most `concurrency` in flight; resolves with their results in task order. */
export async function runConcurrently<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

/** 1..n, for asserting that a sequence is dense. */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export async function getJson(url: string): Promise<Answer> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
