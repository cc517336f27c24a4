/**
 * Matching alerts to `alerts.rules` and building the rollback a firing alert starts. Pure: no
 * Temporal, no HTTP. The first rule that matches an alert wins (rules are tried in file order).
 */
import type { AlertRule } from '../config/alerts.js';
import type { FlagopsConfig } from '../config/schema.js';
import { RECORD_LIMITS, type AlertSource, type RollbackInput } from '../../workflows/rollback/messages.js';
import type { ReceivedAlert } from './payload.js';
import { renderTemplate, type TemplateContext } from './template.js';

/** The first rule of `rules` for this alert from `source`, or undefined. */
export function matchRule(rules: readonly AlertRule[], source: AlertSource, alert: ReceivedAlert): AlertRule | undefined {
  return rules.find(
    (rule) =>
      (rule.source === 'any' || rule.source === source) &&
      rule.match.alertname === alert.alertname &&
      Object.entries(rule.match.labels).every(([name, value]) => alert.labels[name] === value),
  );
}

function contextOf(rule: AlertRule, source: AlertSource, alert: ReceivedAlert): TemplateContext {
  return { labels: alert.labels, annotations: alert.annotations, alertname: alert.alertname, fingerprint: alert.fingerprint, status: alert.status, source, rule: rule.name };
}

function cutTo(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The labels as the audit keeps them: at most `maxAlertLabels`, each name and value cut. */
function auditLabels(labels: Record<string, string>): Record<string, string> {
  const max = RECORD_LIMITS.maxString;
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .slice(0, RECORD_LIMITS.maxAlertLabels)
      .map((name) => [cutTo(name, max), cutTo(labels[name] ?? '', max)]),
  );
}

/**
 * The input of the rollback `alert` starts under `rule`: the rule's flag and environments, the
 * reason and incident rendered from the alert, requested by `<source>:<rule>`, and the alert's
 * origin for the audit. Durations are the worker's (`approval.timeout`, …), as for a person's.
 */
export function rollbackInputFor(rule: AlertRule, source: AlertSource, alert: ReceivedAlert, config: FlagopsConfig): RollbackInput {
  const context = contextOf(rule, source, alert);
  const reason = renderTemplate(rule.reason, context);
  const input: RollbackInput = {
    flag: rule.flag,
    target: { enabled: false },
    requestedBy: `${source}:${rule.name}`,
    reason: cutTo(reason || `${alert.alertname} (${source})`, 1000),
    alert: {
      source,
      rule: rule.name,
      alertname: cutTo(alert.alertname, RECORD_LIMITS.maxString),
      fingerprint: cutTo(alert.fingerprint, RECORD_LIMITS.maxString),
      labels: auditLabels(alert.labels),
      startsAt: alert.startsAt ? cutTo(alert.startsAt, 64) : null,
    },
  };
  if (rule.incident !== undefined) {
    const incident = renderTemplate(rule.incident, context);
    if (incident) input.incidentId = cutTo(incident, 200);
  }
  const configured = config.flagsmith.environments.map((e) => e.name);
  if (rule.environments && configured.some((name) => !rule.environments?.includes(name))) {
    input.environments = configured.filter((name) => rule.environments?.includes(name));
    input.partialReason = rule.partialReason ?? `alert rule ${rule.name} names only ${input.environments.join(', ')}`;
  }
  return input;
}
