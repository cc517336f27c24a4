/** Alert rules: matching, templating, the rollback input they build, and their config errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAlertWebhook } from '../../src/alerts/payload.js';
import { matchRule, rollbackInputFor } from '../../src/alerts/rules.js';
import { autoApprovingRules } from '../../src/alerts/auto-approve.js';
import { bearerMatches } from '../../src/alerts/auth.js';
import { renderTemplate, templateProblem } from '../../src/alerts/template.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { rollbackInputProblems } from '../../src/rollback/input.js';

const base = {
  flagsmith: { projectId: 1, environments: [{ name: 'Production', id: 1, apiKey: 'a' }, { name: 'Development', id: 2, apiKey: 'b' }] },
  approval: { approvers: ['sd@example.com'] },
};
const config = (alerts: unknown, flags: unknown = {}) => parseConfig({ ...base, flags, alerts }, 'flagops.yaml', {});
const rule = (extra: Record<string, unknown> = {}) => ({ name: 'r1', match: { alertname: 'MatcherIntakeErrors', labels: { service: 'matcher' } }, flag: 'f', ...extra });
const alertmanager = readAlertWebhook('alertmanager', JSON.parse(readFileSync('test/fixtures/alerts/alertmanager-firing.json', 'utf8')));

describe('alert rules', () => {
  it('reads the documented Alertmanager and Grafana payloads', () => {
    expect(alertmanager.alerts.map((a) => [a.status, a.alertname, a.fingerprint])).toEqual([
      ['firing', 'MatcherIntakeErrors', '4f2b9c1e7a0d3e55'],
      ['firing', 'MatcherIntakeErrors', 'a91d0c3385e2f7b4'],
    ]);
    const grafana = readAlertWebhook('grafana', JSON.parse(readFileSync('test/fixtures/alerts/grafana-firing.json', 'utf8')));
    expect(grafana.alerts[0]).toMatchObject({ alertname: 'Trigger stages failing', fingerprint: '0e6d51a2b7c94f38' });
    expect(JSON.stringify(grafana)).not.toContain('silence');
    expect(() => readAlertWebhook('alertmanager', { alerts: [{ status: 'firing', labels: {} }] })).toThrow('alerts.0.labels.alertname: required');
  });

  it('matches on alert name, every listed label and the source, first rule first', () => {
    const rules = config({ rules: [rule(), rule({ name: 'r2', flag: 'g' }), rule({ name: 'r3', source: 'grafana', match: { alertname: 'X' } })] }).alerts?.rules ?? [];
    const alert = alertmanager.alerts[0];
    if (!alert) throw new Error('fixture without alerts');
    expect(matchRule(rules, 'alertmanager', alert)?.name).toBe('r1');
    expect(matchRule(rules, 'alertmanager', { ...alert, labels: { ...alert.labels, service: 'other' } })).toBeUndefined();
    expect(matchRule(rules, 'alertmanager', { ...alert, alertname: 'X' })).toBeUndefined();
    expect(matchRule(rules, 'grafana', { ...alert, alertname: 'X' })?.name).toBe('r3');
  });

  it('renders placeholders as flat, cut text and refuses unknown ones', () => {
    const context = { labels: { b: '2', a: '1' }, annotations: { summary: 'line one\nline two' }, alertname: 'A', fingerprint: 'fp', status: 'firing', source: 'grafana', rule: 'r' };
    expect(renderTemplate('{{ .annotations.summary }} [{{ .labels }}] {{.labels.a}} {{ .annotations.missing }}{{ .fingerprint }}', context)).toBe('line one line two [a=1, b=2] 1 fp');
    expect(renderTemplate('{{ .annotations.summary }}', { ...context, annotations: { summary: 'x'.repeat(1000) } })).toHaveLength(256);
    expect(templateProblem('{{ .annotations.summary }}')).toBeNull();
    expect(templateProblem('{{ .env.SECRET }}')).toContain('unknown placeholder {{ .env.SECRET }}');
    expect(templateProblem('{{ printf "%s" .labels }}')).toContain('not a placeholder');
    expect(templateProblem('{{ .fingerprint.x }}')).toContain('has no fields');
  });

  it('builds a valid rollback input: reason, incident, subset with its reason, the alert for the audit', () => {
    const parsed = config({ rules: [rule({ environments: ['Production'], partialReason: 'prod only', incident: 'ALERT-{{ .fingerprint }}' })] });
    const input = rollbackInputFor(parsed.alerts?.rules[0] ?? (undefined as never), 'alertmanager', alertmanager.alerts[0] ?? (undefined as never), parsed);
    expect(input).toMatchObject({
      flag: 'f',
      target: { enabled: false },
      requestedBy: 'alertmanager:r1',
      incidentId: 'ALERT-4f2b9c1e7a0d3e55',
      environments: ['Production'],
      partialReason: 'prod only',
      alert: { source: 'alertmanager', rule: 'r1', fingerprint: '4f2b9c1e7a0d3e55', startsAt: '2026-12-02T13:40:12.503Z' },
    });
    expect(input.reason).toBe('MatcherIntakeErrors: Matcher cards created without EHR [alertname=MatcherIntakeErrors, instance=matcher-0:8080, service=matcher, severity=critical]');
    expect(rollbackInputProblems(input)).toEqual([]);
  });

  it('allows autoApprove only for a declared kill switch, and counts it only for the run that rule started', () => {
    expect(() => config({ rules: [rule({ autoApprove: true })] })).toThrow(ConfigError);
    expect(() => config({ rules: [rule({ autoApprove: true })] })).toThrow('alerts.rules.0.autoApprove: only for a declared kill switch: set flags.f.killSwitch: true');
    const parsed = config({ rules: [rule({ autoApprove: true }), rule({ name: 'r2' })] }, { f: { killSwitch: true } });
    const origin = { source: 'alertmanager' as const, alertname: 'A', fingerprint: 'fp', labels: {}, startsAt: null };
    expect(autoApprovingRules(parsed, { flag: 'f', requestedBy: 'x', alert: { ...origin, rule: 'r1' } })).toEqual(['rule:r1']);
    expect(autoApprovingRules(parsed, { flag: 'f', requestedBy: 'x', alert: { ...origin, rule: 'r2' } })).toEqual([]);
    expect(autoApprovingRules(parsed, { flag: 'f', requestedBy: 'x' })).toEqual([]);
    expect(config({ rules: [rule()] }).alerts?.rules[0]?.autoApprove).toBe(false);
  });

  it('names the key of a bad rule', () => {
    expect(() => config({ rules: [rule({ environments: ['Staging'] })] })).toThrow('alerts.rules.0.environments: unknown environment(s) Staging');
    expect(() => config({ rules: [rule({ environments: ['Production'] })] })).toThrow('alerts.rules.0.partialReason: required');
    expect(() => config({ rules: [rule(), rule()] })).toThrow('alerts.rules.1.name: duplicates rules.0.name');
    expect(() => config({ rules: [rule({ reason: '{{ .nope }}' })] })).toThrow('alerts.rules.0.reason: unknown placeholder');
    expect(() => config({ rules: [rule({ extra: 1 })] })).toThrow('alerts.rules.0');
  });

  it('compares the bearer token exactly', () => {
    expect(bearerMatches('t0k', 'Bearer t0k')).toBe(true);
    expect(bearerMatches('t0k', 'bearer t0k')).toBe(true);
    expect(bearerMatches('t0k', 'Bearer t0k2')).toBe(false);
    expect(bearerMatches('t0k', 't0k')).toBe(false);
    expect(bearerMatches('t0k', undefined)).toBe(false);
    expect(bearerMatches('t0k', 'Basic dDBrOg==')).toBe(false);
  });
});
