/**
 * The document sync's pure state logic: its first state, reading a `changed` payload as a person
 * may send it, and recording messages that are ignored. Plain JSON in, plain JSON out.
 */
import type { IgnoredMessages, SyncNowRequest, SyncState, SyncWake } from './messages.js';

export const RECENT_PASSES = 20;
export const RECENT_AUDIT_IDS = 200;
export const MAX_PENDING_REQUESTS = 100;
const RECENT_IGNORED = 20;
const MAX_TEXT = 256;

/** The state of a workflow's first run: dirty, so its first pass runs at once. */
export function initialSyncState(): SyncState {
  return {
    passSequence: 0,
    // A new workflow knows nothing about the store yet: its first pass runs at once.
    dirty: true,
    pendingRequestIds: [],
    wakes: 0,
    recentAuditIds: [],
    passes: 0,
    written: 0,
    recentPasses: [],
    nextLiveFromMs: null,
    lastPassEndedAtMs: null,
    runs: 0,
    ignored: { count: 0, recent: [] },
  };
}

/** The last `max` items. */
export function keepLast<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

const sources: readonly SyncWake['source'][] = ['audit', 'webhook', 'cli', 'start', 'manual'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A `changed` payload as a wake, or why it is ignored. No payload at all (`temporal workflow
 * signal --name changed`) is a plain wake: whoever sends it wants a pass.
 */
export function parseWake(raw: unknown): { ok: true; wake: SyncWake } | { ok: false; reason: string } {
  if (raw === undefined || raw === null) return { ok: true, wake: { source: 'manual' } };
  if (!isRecord(raw)) return { ok: false, reason: 'malformed payload: expected an object like {"source": "manual"}' };
  const source = raw.source ?? 'manual';
  if (typeof source !== 'string' || !sources.includes(source as SyncWake['source'])) {
    return { ok: false, reason: `malformed payload: "source" must be one of ${sources.join(', ')}` };
  }
  const wake: SyncWake = { source: source as SyncWake['source'] };
  if (raw.auditIds !== undefined) {
    if (!Array.isArray(raw.auditIds) || raw.auditIds.length > 10_000 || !raw.auditIds.every((id) => Number.isSafeInteger(id))) {
      return { ok: false, reason: 'malformed payload: "auditIds" must be a list of integers' };
    }
    wake.auditIds = raw.auditIds as number[];
  }
  if (raw.requestId !== undefined) {
    if (typeof raw.requestId !== 'string' || raw.requestId.trim() === '') return { ok: false, reason: 'malformed payload: "requestId" must be a non-empty string' };
    wake.requestId = cut(raw.requestId);
  }
  return { ok: true, wake };
}

/** A `syncNow` request, or why it is refused (the Update's validator throws it). */
export function parseSyncNow(raw: unknown): { ok: true; request: SyncNowRequest } | { ok: false; reason: string } {
  if (!isRecord(raw) || typeof raw.requestId !== 'string' || raw.requestId.trim() === '') {
    return { ok: false, reason: 'malformed payload: expected {"requestId": "<a non-empty string>"}' };
  }
  return { ok: true, request: { requestId: cut(raw.requestId) } };
}

/** Record a message that is ignored (malformed or unknown), keeping the latest few. */
export function recordIgnored(state: SyncState, name: string, reason: string, at: string): void {
  const ignored: IgnoredMessages = state.ignored ?? { count: 0, recent: [] };
  state.ignored = { count: ignored.count + 1, recent: keepLast([...ignored.recent, { name: cut(name), at, reason: cut(reason) }], RECENT_IGNORED) };
}
