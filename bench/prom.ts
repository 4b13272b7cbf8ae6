// Reads the commit counters out of the service's Prometheus text.

export interface CommitCounters {
  /** Commits so far (take_a_number_commit_batch_size_count). */
  commits: number;
  /** Requests those commits covered (take_a_number_commit_batch_size_sum). */
  covered: number;
}

function sample(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`metric ${name} not found`);
  return Number(m[1]);
}

export function commitCounters(text: string): CommitCounters {
  return { commits: sample(text, 'take_a_number_commit_batch_size_count'), covered: sample(text, 'take_a_number_commit_batch_size_sum') };
}

export async function fetchCommitCounters(url: string): Promise<CommitCounters> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return commitCounters(await res.text());
}
