/** Small helpers of the benchmarks. */

/** Run `count` tasks with at most `concurrency` at once; results in task order. */
export async function pool<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The p-th percentile (nearest rank) of `values`, or null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

/** Milliseconds as printed by the benchmarks (`n/a` when there is no figure). */
export function formatMs(value: number | null): string {
  return value === null ? 'n/a' : `${Math.round(value)}ms`;
}
