/**
 * Durations in configuration and CLI flags: `90s`, `5m`, `1h30m`, `250ms`, `2d`. A unit is
 * required (a bare `5` used to mean 5 ms, which nobody typing it meant), and every duration has a
 * documented upper bound ({@link durationLimits}): one over it is refused before anything starts,
 * so no workflow ever computes a date it cannot represent. Workflows receive plain milliseconds so
 * their inputs stay JSON and deterministic.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration's bounds in ms, inclusive. */
export interface DurationLimit {
  min: number;
  max: number;
}

/** The bounds of every duration flagops takes (README, "Durations"). */
export const durationLimits = {
  /** `rollback.cacheWait`, `--cache-wait`: SDK caches refresh every 60 s by default. */
  cacheWait: { min: 0, max: HOUR },
  /** `approval.timeout`, `--approval-timeout`: a plan older than a week is not what anyone approves. */
  approvalTimeout: { min: SECOND, max: 7 * DAY },
  /** `rollback.verifyTimeout`, `--verify-timeout`. */
  verifyTimeout: { min: SECOND, max: HOUR },
  /** Pause between verification rounds (workflow input only). */
  verifyInterval: { min: 100, max: MINUTE },
  /** How long `needs_attention` waits for `resolve` (workflow input only; default 7 days). */
  attentionTimeout: { min: SECOND, max: 30 * DAY },
  /** `documentSync.backoffBase`: 1 s, 2 s, 4 s … */
  backoffBase: { min: 10, max: 10 * MINUTE },
  /** `documentSync.minPassInterval`: under a burst of changes, one pass per environment this often (0: off). */
  minPassInterval: { min: 0, max: MINUTE },
  /** `documentSync.reconcileEvery`. */
  reconcileEvery: { min: SECOND, max: DAY },
  /** `flagsmith.timeout`: one Flagsmith request (a cold self-hosted server can take seconds). */
  flagsmithTimeout: { min: SECOND, max: 5 * MINUTE },
  /** CLI waits: `approve --wait-for-plan`, `sync --timeout`. */
  cliWait: { min: 0, max: HOUR },
} as const satisfies Record<string, DurationLimit>;

/** Parse a duration with its unit; `undefined` when the text is not one (callers name the key to fix). */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/**
 * Why `value` is not a duration within `limit`, or its milliseconds. The reason is written to
 * follow the name of the key or flag (`--cache-wait: …`).
 */
export function checkDuration(value: unknown, limit: DurationLimit): { ok: true; ms: number } | { ok: false; reason: string } {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value))) {
    return { ok: false, reason: `${String(value).trim()} has no unit (write e.g. ${String(value).trim()}s or ${String(value).trim()}ms)` };
  }
  if (typeof value !== 'string') return { ok: false, reason: 'not a duration (use e.g. 30s, 5m, 1h)' };
  const ms = parseDuration(value);
  if (ms === undefined) return { ok: false, reason: `not a duration: ${JSON.stringify(value.slice(0, 60))} (use e.g. 30s, 5m, 1h)` };
  if (ms > limit.max) return { ok: false, reason: `${value.trim()} is more than the limit of ${formatDuration(limit.max)}` };
  if (ms < limit.min) return { ok: false, reason: `${value.trim()} is less than the minimum of ${formatDuration(limit.min)}` };
  return { ok: true, ms };
}

/** Human form for plans and progress lines: `1m30s`, `45s`, `250ms`, `7d`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!d && !h && !m) ? `${s}s` : ''}`;
}
