// How much random work one commit may carry: a commit releases its draws together, so past this bound the
// later requests wait for the next commit, oldest first (both stores take their batches through here).

/** Random values one commit carries at most (a single larger draw still goes, alone). */
export const MAX_COMMIT_VALUES = 65_536;

/**
 * Removes and returns the longest prefix of `queue` whose weights add up to at most `bound`, and at least
 * its first item: arrival order is kept and the head of the queue is never passed over.
 */
export function takeWithin<T>(queue: T[], weigh: (item: T) => number, bound: number = MAX_COMMIT_VALUES): T[] {
  let total = 0;
  let n = 0;
  while (n < queue.length) {
    const w = weigh(queue[n]!);
    if (n > 0 && total + w > bound) break;
    total += w;
    n++;
  }
  return queue.splice(0, n);
}
