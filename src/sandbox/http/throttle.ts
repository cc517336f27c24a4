/** DRF's SimpleRateThrottle: a sliding window of request times per caller. */
import { ApiError } from '../errors.js';

export interface ThrottleOptions {
  /** Admin requests allowed per minute per caller. */
  ratePerMinute: number;
}

/** One window per caller identity (the presented admin credential), in memory. */
export class Throttle {
  private readonly history = new Map<string, number[]>();
  private readonly durationMs = 60_000;

  constructor(private readonly options: ThrottleOptions) {}

  /** @throws ApiError 429 with DRF's message and `Retry-After` when the caller is over its rate. */
  check(caller: string, now = Date.now()): void {
    const times = (this.history.get(caller) ?? []).filter((t) => t > now - this.durationMs);
    if (times.length >= this.options.ratePerMinute) {
      this.history.set(caller, times);
      // DRF: remaining window of the oldest request, shared by the requests still available.
      const oldest = times[0] ?? now;
      const available = this.options.ratePerMinute - times.length + 1;
      const wait = Math.max(1, Math.ceil((this.durationMs - (now - oldest)) / 1000 / Math.max(available, 1)));
      const unit = wait === 1 ? 'second' : 'seconds';
      throw new ApiError(
        429,
        { detail: `Request was throttled. Expected available in ${wait} ${unit}.` },
        { 'Retry-After': String(wait) },
      );
    }
    times.push(now);
    this.history.set(caller, times);
  }
}
