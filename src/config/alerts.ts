/**
 * `alerts.rules` of `flagops.yaml` (README, "Rollbacks started by alerts"): which alert rolls
 * back which flag, where, with what reason, and whether a declared kill switch may be approved by
 * the rule itself. Checked once at start-up; every error names the key.
 */
import { z } from 'zod';
import { templateProblem } from '../alerts/template.js';

const template = z.string().superRefine((value, ctx) => {
  const problem = templateProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const alertRuleSchema = z.strictObject({
  /** Also the approver identity `rule:<name>` of an autoApprove rule. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." and "-", at most 64, starting with a letter or digit'),
  /** Which receiver route the rule listens on. */
  source: z.enum(['any', 'alertmanager', 'grafana']).default('any'),
  match: z.strictObject({
    /** The alert's `alertname` label, exactly. */
    alertname: z.string().min(1, 'must name the alert'),
    /** Labels the alert must carry with exactly these values. */
    labels: z.record(z.string(), z.string()).default({}),
  }),
  flag: z.string().regex(/^[^\s/\\]{1,150}$/, 'a flag name without spaces or slashes, at most 150 characters'),
  /** Default: every configured environment. A subset needs `partialReason`. */
  environments: z.array(z.string().min(1)).min(1, 'name at least one environment').optional(),
  partialReason: z.string().trim().min(1).max(1000).optional(),
  reason: template.default('{{ .alertname }}: {{ .annotations.summary }} [{{ .labels }}]'),
  incident: template.optional(),
  /** Approve without a person (four-eyes waived): only for a flag declared `killSwitch: true`. */
  autoApprove: z.boolean().default(false),
});

export const alertsConfigSchema = z
  .strictObject({
    rules: z.array(alertRuleSchema).default([]),
  })
  .superRefine((alerts, ctx) => {
    const seen = new Map<string, number>();
    alerts.rules.forEach((rule, index) => {
      const first = seen.get(rule.name.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `duplicates rules.${first}.name (names are compared ignoring case)` });
      else seen.set(rule.name.toLowerCase(), index);
    });
  });

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export type AlertRule = z.output<typeof alertRuleSchema>;

/** What the rules are checked against: the configured environments and the flags' declarations. */
interface RulesContext {
  flagsmith: { environments: { name: string }[] };
  flags: Record<string, { killSwitch?: boolean }>;
  alerts?: AlertsConfig;
}

/** Cross-checks of `alerts.rules` against the rest of the file (environments, kill switches). */
export function checkAlertRules(config: RulesContext, ctx: z.RefinementCtx): void {
  const configured = config.flagsmith.environments.map((e) => e.name);
  config.alerts?.rules.forEach((rule, index) => {
    const path = (key: string) => ['alerts', 'rules', index, key];
    const unknown = (rule.environments ?? []).filter((name) => !configured.includes(name));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', path: path('environments'), message: `unknown environment(s) ${unknown.join(', ')} (configured in flagsmith.environments: ${configured.join(', ')})` });
    }
    const subset = rule.environments !== undefined && configured.some((name) => !rule.environments?.includes(name));
    if (subset && rule.partialReason === undefined) {
      ctx.addIssue({ code: 'custom', path: path('partialReason'), message: 'required when environments names only some of the configured environments (the approver sees it)' });
    }
    if (!subset && rule.partialReason !== undefined) {
      ctx.addIssue({ code: 'custom', path: path('partialReason'), message: 'only with environments naming a subset of the configured environments' });
    }
    if (rule.autoApprove && config.flags[rule.flag]?.killSwitch !== true) {
      ctx.addIssue({ code: 'custom', path: path('autoApprove'), message: `only for a declared kill switch: set flags.${rule.flag}.killSwitch: true (the four-eyes rule is waived for it)` });
    }
  });
}
