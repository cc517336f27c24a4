/**
 * What one alert notification does (README, "Rollbacks started by alerts"). Per flag its rules
 * name, once, however many alerts of the group match:
 *
 * - a firing alert starts a planned rollback that waits for approval like any other
 *   (`startRollback`, one per flag at a time); an `autoApprove` rule then sends the approval as
 *   `rule:<name>`, which the worker counts only for a declared kill switch;
 * - while a rollback of the flag runs, the notification is recorded on it (`alertNotification`)
 *   and nothing new starts; a resolved alert is recorded the same way and changes no flag;
 * - an alert no rule matches does nothing.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AlertRule } from '../config/alerts.js';
import type { FlagopsConfig } from '../config/schema.js';
import { workflowIds } from '../ids.js';
import type { Logger } from '../log.js';
import { RollbackAlreadyRunningError, RollbackInputError, startRollback } from '../rollback/start.js';
import { alertNotificationSignal, approveSignal, type AlertNotificationPayload, type AlertSource } from '../../workflows/rollback/messages.js';
import { ruleIdentity } from './auto-approve.js';
import type { AlertNotification, ReceivedAlert } from './payload.js';
import { matchRule, rollbackInputFor } from './rules.js';

/** Where rollbacks start: the client, the worker's task queue and `FLAGOPS_ID_PREFIX`. */
export interface AlertTarget {
  client: Client;
  taskQueue: string;
  idPrefix: string;
}

/** What was done for one flag. */
export interface AlertAction {
  rule: string;
  flag: string;
  workflowId: string;
  /** `started` a rollback; `recorded` on the running one; `not_running` (a resolution with no rollback); `refused` (the input was invalid). */
  action: 'started' | 'recorded' | 'not_running' | 'refused';
  fingerprint: string;
  status: 'firing' | 'resolved';
  detail: string | null;
}

interface FlagGroup {
  rule: AlertRule;
  alerts: ReceivedAlert[];
}

/** Alerts grouped by the flag of the first rule each matches (one action per flag). */
function groupByFlag(rules: readonly AlertRule[], source: AlertSource, alerts: readonly ReceivedAlert[]): { groups: Map<string, FlagGroup>; unmatched: number } {
  const groups = new Map<string, FlagGroup>();
  let unmatched = 0;
  for (const alert of alerts) {
    const rule = matchRule(rules, source, alert);
    if (!rule) {
      unmatched += 1;
      continue;
    }
    const group = groups.get(rule.flag) ?? { rule, alerts: [] };
    group.alerts.push(alert);
    groups.set(rule.flag, group);
  }
  return { groups, unmatched };
}

async function record(target: AlertTarget, workflowId: string, payload: AlertNotificationPayload): Promise<boolean> {
  try {
    await target.client.workflow.getHandle(workflowId).signal(alertNotificationSignal, payload);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function actOnFlag(target: AlertTarget, config: FlagopsConfig, source: AlertSource, group: FlagGroup, log: Logger): Promise<AlertAction> {
  const { rule } = group;
  const workflowId = workflowIds.rollback(target.idPrefix, rule.flag);
  const firing = group.alerts.filter((a) => a.status === 'firing');
  const lead = firing[0] ?? group.alerts[0];
  if (!lead) throw new TypeError('a flag group without alerts');
  const status = firing.length > 0 ? 'firing' : 'resolved';
  const base = { rule: rule.name, flag: rule.flag, workflowId, fingerprint: lead.fingerprint, status } as const;
  const payload: AlertNotificationPayload = { source, rule: rule.name, alertname: lead.alertname, fingerprint: lead.fingerprint, status, alerts: group.alerts.length };
  if (status === 'resolved') {
    const recorded = await record(target, workflowId, payload);
    return { ...base, action: recorded ? 'recorded' : 'not_running', detail: recorded ? null : 'no rollback of the flag is running; a resolved alert starts nothing' };
  }
  try {
    const handle = await startRollback(target.client, { taskQueue: target.taskQueue, idPrefix: target.idPrefix, input: rollbackInputFor(rule, source, lead, config) });
    if (rule.autoApprove) {
      // Judged by the worker: it counts only for a declared kill switch in the worker's config.
      await handle.signal(approveSignal, { by: ruleIdentity(rule.name), comment: `autoApprove: kill switch ${rule.flag}, alert ${lead.alertname} (${lead.fingerprint})` });
    }
    return { ...base, action: 'started', detail: rule.autoApprove ? `approval sent as ${ruleIdentity(rule.name)}` : 'waiting for approval' };
  } catch (error) {
    if (error instanceof RollbackInputError) {
      log.warn({ event: 'alert.refused', rule: rule.name, flag: rule.flag, reason: error.message }, 'alert rule built an invalid rollback');
      return { ...base, action: 'refused', detail: error.message };
    }
    if (!(error instanceof RollbackAlreadyRunningError)) throw error;
  }
  // One rollback per flag: a repeat or a grouped notification is recorded on the running one.
  const recorded = await record(target, workflowId, payload);
  return { ...base, action: recorded ? 'recorded' : 'not_running', detail: recorded ? null : 'the running rollback ended meanwhile; the next notification starts a new one' };
}

/** Act on a notification; returns what was done per flag and how many alerts matched no rule. */
export async function dispatchAlerts(
  target: AlertTarget,
  config: FlagopsConfig,
  notification: AlertNotification,
  log: Logger,
): Promise<{ actions: AlertAction[]; unmatched: number }> {
  const { groups, unmatched } = groupByFlag(config.alerts?.rules ?? [], notification.source, notification.alerts);
  const actions: AlertAction[] = [];
  for (const group of groups.values()) {
    const action = await actOnFlag(target, config, notification.source, group, log);
    log.info({ event: 'alert.handled', source: notification.source, ...action }, `alert ${action.action}: ${action.flag}`);
    actions.push(action);
  }
  return { actions, unmatched };
}
