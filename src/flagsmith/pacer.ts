/**
 * A request budget for Flagsmith's Admin API, shared by every activity of one worker: at most
 * `perMinute` requests start in any sliding minute, the way Flagsmith's (DRF's) throttle counts
 * them. Flagsmith SaaS throttles its Admin API per organisation; a worker that rolls back many
 * flags at once would otherwise answer an incident with a storm of 429s and retries.
 *
 * Requests wait their turn in arrival order. The window is a little longer than a minute
 * (`marginMs`) because the server counts arrivals, which come later than our starts by a varying
 * network delay. The budget is per worker process: with several workers, give each its share.
 */

export interface PacerClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener('abort', aborted);
        resolve();
      }
      function aborted() {
        clearTimeout(timer);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      }
      signal?.addEventListener('abort', aborted, { once: true });
    }),
};

const WINDOW_MS = 60_000;

export class RequestPacer {
  /** Start times of the requests inside the current window, oldest first. */
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private waitedMs = 0;
  private paced = 0;

  /** @throws RangeError unless `perMinute` is a positive whole number. */
  constructor(
    readonly perMinute: number,
    private readonly marginMs = 1_000,
    private readonly clock: PacerClock = realClock,
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError(`requests per minute must be a positive whole number, got ${perMinute}`);
  }

  /** Resolves when one more request may start; rejects (using no budget) when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void> {
    const asked = this.clock.now();
    const turn = this.tail.then(() => this.take(asked, signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** How many requests had to wait, and how long they waited in all (for benchmarks and logs). */
  stats(): { paced: number; waitedMs: number } {
    return { paced: this.paced, waitedMs: this.waitedMs };
  }

  private async take(asked: number, signal?: AbortSignal): Promise<void> {
    const window = WINDOW_MS + this.marginMs;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - window) this.starts.shift();
      if (this.starts.length < this.perMinute) {
        this.starts.push(now);
        if (now > asked) {
          this.paced += 1;
          this.waitedMs += now - asked;
        }
        return;
      }
      await this.clock.sleep((this.starts[0] ?? now) + window - now, signal);
    }
  }
}
