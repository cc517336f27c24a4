import { describe, expect, it } from 'vitest';
import { RequestPacer, type PacerClock } from '../../src/flagsmith/pacer.js';

/** A clock that only moves when a waiter sleeps: each sleep jumps to its wake-up time. */
function fakeClock(): PacerClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('RequestPacer', () => {
  it('lets the budget through at once, then starts each further request as the oldest leaves the window', async () => {
    const clock = fakeClock();
    const pacer = new RequestPacer(3, 1_000, clock);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 7 }, () => pacer.acquire().then(() => starts.push(clock.now()))));
    // Window 61 s: three at 0, three at 61 s, one at 122 s.
    expect(starts).toEqual([0, 0, 0, 61_000, 61_000, 61_000, 122_000]);
    expect(pacer.stats()).toEqual({ paced: 4, waitedMs: 3 * 61_000 + 122_000 });
  });

  it('never starts more than perMinute requests in any window', async () => {
    const clock = fakeClock();
    const pacer = new RequestPacer(5, 0, clock);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 23 }, () => pacer.acquire().then(() => starts.push(clock.now()))));
    for (const start of starts) expect(starts.filter((t) => t >= start && t < start + 60_000).length).toBeLessThanOrEqual(5);
    expect(starts).toHaveLength(23);
  });

  it('an aborted wait uses no budget and the next caller still gets its turn', async () => {
    const clock = fakeClock();
    const pacer = new RequestPacer(1, 0, clock);
    await pacer.acquire();
    const controller = new AbortController();
    controller.abort(new Error('activity cancelled'));
    await expect(pacer.acquire(controller.signal)).rejects.toThrow('activity cancelled');
    await pacer.acquire();
    expect(clock.now()).toBe(60_000);
  });

  it('refuses a budget that is not a positive whole number', () => {
    expect(() => new RequestPacer(0)).toThrow(/positive whole number, got 0/);
    expect(() => new RequestPacer(2.5)).toThrow(RangeError);
  });
});
