/**
 * The alert log of a rollback (README, "Rollbacks started by alerts"): reading an
 * `alertNotification` payload and recording it. Pure and plain JSON, so the status, the CLI and
 * the tests share it; the handler is `alerts.ts`.
 */
import { RECORD_LIMITS, type AlertLog, type AlertNotificationPayload, type AlertOrigin, type AlertSource, type RollbackStatus } from './messages.js';
import { cut } from './signals.js';

const sources: readonly AlertSource[] = ['alertmanager', 'grafana'];

type Parsed = { ok: true; value: AlertNotificationPayload } | { ok: false; reason: string };

function text(raw: Record<string, unknown>, key: string): string | null {
  const value = raw[key];
  return typeof value === 'string' && value.trim() !== '' && !/\p{Cc}/u.test(value) ? cut(value.trim()) : null;
}

/** Read an `alertNotification` payload; a malformed one gives the reason to record. */
export function parseAlertNotification(raw: unknown): Parsed {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'malformed payload: expected an object' };
  const record = raw as Record<string, unknown>;
  const source = record.source;
  if (typeof source !== 'string' || !sources.includes(source as AlertSource)) return { ok: false, reason: 'malformed payload: "source" must be alertmanager or grafana' };
  const status = record.status;
  if (status !== 'firing' && status !== 'resolved') return { ok: false, reason: 'malformed payload: "status" must be firing or resolved' };
  const fields: Record<'rule' | 'alertname' | 'fingerprint', string> = { rule: '', alertname: '', fingerprint: '' };
  for (const key of ['rule', 'alertname', 'fingerprint'] as const) {
    const value = text(record, key);
    if (value === null) return { ok: false, reason: `malformed payload: "${key}" must be a non-empty string without control characters` };
    fields[key] = value;
  }
  const alerts = record.alerts;
  if (alerts !== undefined && (typeof alerts !== 'number' || !Number.isInteger(alerts) || alerts < 0)) {
    return { ok: false, reason: 'malformed payload: "alerts" must be a whole number' };
  }
  return { ok: true, value: { source: source as AlertSource, status, ...fields, ...(alerts !== undefined ? { alerts } : {}) } };
}

/** The log a run started by `origin` begins with (its starting notification counted). */
export function initialAlertLog(origin: AlertOrigin | undefined, at: string): AlertLog | null {
  if (!origin) return null;
  return { origin, count: 1, lastFingerprint: origin.fingerprint, lastStatus: 'firing', lastAt: at, resolvedAt: null, recent: [] };
}

/** Record one notification into `log` (created when the run had none), keeping the latest few. */
export function recordAlertNotification(log: AlertLog | null | undefined, payload: AlertNotificationPayload, at: string): AlertLog {
  const next: AlertLog = log ?? { origin: null, count: 0, lastFingerprint: payload.fingerprint, lastStatus: payload.status, lastAt: at, resolvedAt: null, recent: [] };
  next.count += 1;
  next.lastFingerprint = payload.fingerprint;
  next.lastStatus = payload.status;
  next.lastAt = at;
  if (payload.status === 'resolved') next.resolvedAt = at;
  next.recent.push({ ...payload, at });
  const excess = next.recent.length - RECORD_LIMITS.maxAlertNotifications;
  if (excess > 0) next.recent.splice(0, excess);
  return next;
}

/** The alert part of a notice and of `flagops status`: what started the run, how many notifications, and a resolution. */
export function alertLine(status: RollbackStatus): string | null {
  const log = status.alerts;
  if (!log) return null;
  const origin = log.origin ? `Started by alert ${log.origin.alertname} (${log.origin.source}, rule ${log.origin.rule}, fingerprint ${log.origin.fingerprint}). ` : '';
  const resolved = log.resolvedAt ? `; resolved at ${log.resolvedAt}${log.lastStatus === 'firing' ? ', firing again since' : ''}` : '; not resolved';
  return `${origin}Alert notifications: ${log.count}, last ${log.lastStatus} (fingerprint ${log.lastFingerprint}) at ${log.lastAt}${resolved}.`;
}
