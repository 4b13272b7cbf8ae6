// Figures read from the service's Prometheus text, where the service exposes them; absent metrics are undefined.

/** Sum of every sample of `name` (all label sets), or undefined when there is none. */
export function metricSum(text: string, name: RegExp): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? (\S+)/.exec(line);
    if (m && name.test(m[1]!)) sum = (sum ?? 0) + Number(m[2]);
  }
  return sum;
}

export interface Counters {
  /** Commits so far and the requests they covered (take_a_number_commit_batch_size _count and _sum). */
  commits?: number;
  covered?: number;
  /** Checkpoints so far: any take_a_number_checkpoint…_total or …_count counter. */
  checkpoints?: number;
  checkpointMetric?: string;
}

export async function fetchCounters(url: string): Promise<Counters> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) return {};
  const text = await res.text();
  const names = [...new Set([...text.matchAll(/^(take_a_number_checkpoints?\w*?(?:_total|_count))(?:\{[^}]*\})? /gm)].map((m) => m[1]!))].filter(
    (n) => !/fail|error|retr/.test(n),
  );
  // One counter: prefer a plain total over a histogram's count, and never add the two.
  const checkpointMetric = names.find((n) => n.endsWith('_total')) ?? names[0];
  return {
    commits: metricSum(text, /^take_a_number_commit_batch_size_count$/),
    covered: metricSum(text, /^take_a_number_commit_batch_size_sum$/),
    checkpoints: checkpointMetric ? metricSum(text, new RegExp(`^${checkpointMetric}$`)) : undefined,
    checkpointMetric,
  };
}
