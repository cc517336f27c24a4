/**
 * Who may approve a rollback without a person: the `autoApprove` rule of `alerts.rules` that
 * started the run, for a flag the worker's config declares `killSwitch: true`. Read from the
 * worker's config by the plan activity, never from workflow input, so a run's input alone cannot
 * waive four-eyes.
 */
import type { FlagopsConfig } from '../config/schema.js';
import type { RollbackInput } from '../../workflows/rollback/messages.js';

/** The approver identity of a rule (`rule:<name>`), as the receiver sends it and the plan lists it. */
export function ruleIdentity(ruleName: string): string {
  return `rule:${ruleName}`;
}

/** `rule:<name>` of the autoApprove rule that started `input`'s run, when the config allows it; else none. */
export function autoApprovingRules(config: FlagopsConfig, input: RollbackInput): string[] {
  const origin = input.alert;
  if (!origin || config.flags[input.flag]?.killSwitch !== true) return [];
  const rule = config.alerts?.rules.find((r) => r.name === origin.rule);
  return rule?.autoApprove && rule.flag === input.flag ? [ruleIdentity(rule.name)] : [];
}
