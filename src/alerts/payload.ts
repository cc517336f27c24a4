/**
 * The alert webhook bodies flagops reads, as their senders document them:
 *
 * - Prometheus Alertmanager's `webhook_config` (`version: "4"`): `status`, `groupKey`,
 *   `receiver`, `groupLabels`, `commonLabels`, `commonAnnotations`, `externalURL`,
 *   `truncatedAlerts`, and `alerts[]` with `status`, `labels`, `annotations`, `startsAt`,
 *   `endsAt`, `generatorURL`, `fingerprint`.
 * - Grafana Alerting's webhook contact point: the same envelope (`version: "1"`) plus `orgId`,
 *   `state`, `title`, `message`; its alerts add `silenceURL`, `dashboardURL`, `panelURL`, `values`.
 *
 * Only what a rule needs is kept: per alert its status, labels, annotations, start and
 * fingerprint. URLs and values are dropped (they never reach a workflow).
 */
import { createHash } from 'node:crypto';
import type { AlertSource } from '../../workflows/rollback/messages.js';

/** One alert of a notification, normalised. */
export interface ReceivedAlert {
  status: 'firing' | 'resolved';
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  startsAt: string | null;
}

/** A notification: its source, its group key and its alerts. */
export interface AlertNotification {
  source: AlertSource;
  groupKey: string | null;
  alerts: ReceivedAlert[];
}

/** A body that is not an alert notification; the message names the field. */
export class AlertPayloadError extends Error {
  override readonly name = 'AlertPayloadError';
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new AlertPayloadError(`${field}: expected an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new AlertPayloadError(`${field}.${key}: expected a string`);
    out[key] = v;
  }
  return out;
}

/** Alertmanager's own fingerprint is a hash of the label set; older senders omit it, so one is derived the same way in spirit. */
function derivedFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k] ?? ''}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * Read a webhook body.
 * @throws AlertPayloadError naming the field that is missing or of the wrong type.
 */
export function readAlertWebhook(source: AlertSource, body: unknown): AlertNotification {
  if (!isRecord(body)) throw new AlertPayloadError('body: expected a JSON object');
  if (!Array.isArray(body.alerts)) throw new AlertPayloadError('alerts: expected an array');
  const alerts = body.alerts.map((raw, index): ReceivedAlert => {
    const field = `alerts.${index}`;
    if (!isRecord(raw)) throw new AlertPayloadError(`${field}: expected an object`);
    if (raw.status !== 'firing' && raw.status !== 'resolved') throw new AlertPayloadError(`${field}.status: expected "firing" or "resolved"`);
    const labels = stringMap(raw.labels, `${field}.labels`);
    const alertname = labels.alertname;
    if (!alertname) throw new AlertPayloadError(`${field}.labels.alertname: required`);
    const fingerprint = typeof raw.fingerprint === 'string' && raw.fingerprint.trim() !== '' ? raw.fingerprint.trim() : derivedFingerprint(labels);
    return {
      status: raw.status,
      alertname,
      labels,
      annotations: stringMap(raw.annotations, `${field}.annotations`),
      fingerprint,
      startsAt: typeof raw.startsAt === 'string' ? raw.startsAt : null,
    };
  });
  return { source, groupKey: typeof body.groupKey === 'string' ? body.groupKey : null, alerts };
}
