import { describe, expect, it } from 'vitest';
import { parseDuration, formatDuration } from '../../src/config/duration.js';
import { adminToken, normaliseAdminToken, runtimeSettings, serverKeyVariable, temporalSettings } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { sampleConfig, writeConfigFile } from '../helpers/cli.js';

describe('configuration', () => {
  it('applies the defaults of SPEC §2 and parses durations to milliseconds', () => {
    const config = parseConfig(sampleConfig(), 'test', {});
    expect(config.rollback).toEqual({ cacheWait: 60_000, verifyTimeout: 300_000 });
    expect(config.approval?.timeout).toBe(30 * 60_000);
    expect(config.documentSync).toEqual({ backoffBase: 1_000, maxAttempts: 6, reconcileEvery: 600_000, minPassInterval: 3_000 });
    expect(config.flagsmith.timeout).toBe(10_000);
    expect(config.flagsmith.requestsPerMinute).toBeUndefined();
    expect(config.flagsmith.sdkUrl).toBe(config.flagsmith.apiUrl);
    expect(config.flags).toEqual({});
  });

  it('lets FLAGSMITH_API_URL override the configured API URL', () => {
    const config = parseConfig(sampleConfig(), 'test', { FLAGSMITH_API_URL: 'http://localhost:8000/' });
    expect(config.flagsmith.apiUrl).toBe('http://localhost:8000');
  });

  it('names the key to fix when a value has the wrong type', () => {
    const bad = sampleConfig() as { flagsmith: { projectId: unknown } };
    bad.flagsmith.projectId = 'abc';
    expect(() => parseConfig(bad, 'flagops.yaml', {})).toThrow(/flagops\.yaml: flagsmith\.projectId: /);
  });

  it('maps Slack member ids to approvers and names the key of a bad Slack setting', () => {
    const withSlack = (approval: Record<string, unknown>, slack?: unknown) => {
      const config = sampleConfig() as Record<string, unknown>;
      config.approval = { ...(config.approval as Record<string, unknown>), ...approval };
      if (slack !== undefined) config.slack = slack;
      return config;
    };
    const ok = parseConfig(withSlack({ slackUsers: { U0123ABCD: 'sd@example.com' } }, { channel: 'C0INCIDENT' }), 'flagops.yaml', {});
    expect(ok.approval?.slackUsers).toEqual({ U0123ABCD: 'sd@example.com' });
    expect(ok.slack).toEqual({ apiUrl: 'https://slack.com/api', channel: 'C0INCIDENT', approvalNeeded: true });
    expect(parseConfig(sampleConfig(), 'flagops.yaml', {}).approval?.slackUsers).toEqual({});
    expect(() => parseConfig(withSlack({ slackUsers: { 'Sam Doe': 'sd@example.com' } }), 'flagops.yaml', {})).toThrow(/approval\.slackUsers\.Sam Doe: a Slack user id like U0123ABCD/);
    expect(() => parseConfig(withSlack({ slackUsers: { U0123ABCD: ' ' } }), 'flagops.yaml', {})).toThrow(/approval\.slackUsers\.U0123ABCD: must name someone/);
    expect(() => parseConfig(withSlack({}, { channel: 'incidents room' }), 'flagops.yaml', {})).toThrow(/slack\.channel: slack\.channel: a channel id/);
    expect(() => parseConfig(withSlack({}, { apiUrl: 'file:///etc/passwd' }), 'flagops.yaml', {})).toThrow(/slack\.apiUrl: /);
  });

  it('names an unknown key rather than ignoring it', () => {
    expect(() => parseConfig({ ...sampleConfig(), aproval: {} }, 'flagops.yaml', {})).toThrow(/aproval/);
  });

  it('names a bad duration with its key', () => {
    const config = { ...sampleConfig(), rollback: { cacheWait: 'soon' } };
    expect(() => parseConfig(config, 'flagops.yaml', {})).toThrow(/rollback\.cacheWait: not a duration: "soon"/);
  });

  it('refuses two entries for one environment: the same name (in any case), id or api key', () => {
    const withExtra = (extra: { name: string; id: number; apiKey: string }) => {
      const config = sampleConfig();
      config.flagsmith.environments.push(extra);
      return () => parseConfig(config, 'flagops.yaml', {});
    };
    const [first] = sampleConfig().flagsmith.environments;
    if (!first) throw new Error('sample config without environments');
    expect(withExtra({ name: first.name, id: 1, apiKey: 'x' })).toThrow(/flagsmith\.environments\.2\.name: duplicates environments\.0\.name/);
    expect(withExtra({ name: first.name.toUpperCase(), id: 1, apiKey: 'x' })).toThrow(/environments\.2\.name: duplicates environments\.0\.name \(names are compared ignoring case\)/);
    expect(withExtra({ name: 'Staging', id: first.id, apiKey: 'x' })).toThrow(/environments\.2\.id: duplicates environments\.0\.id/);
    expect(withExtra({ name: 'Staging', id: 1, apiKey: first.apiKey })).toThrow(/environments\.2\.apiKey: duplicates environments\.0\.apiKey/);
  });

  it('refuses a blank approver, a zero approval timeout, non-http(s) URLs, and a FLAGSMITH_API_URL without echoing it', () => {
    const with_ = (patch: (c: Record<string, unknown>) => void) => {
      const config = sampleConfig() as unknown as Record<string, unknown>;
      patch(config);
      return () => parseConfig(config, 'flagops.yaml', {});
    };
    expect(with_((c) => (c.approval = { approvers: ['sd@example.com', ' \u200B '] }))).toThrow(/approval\.approvers\.1: must name someone/);
    expect(with_((c) => (c.approval = { approvers: ['sd@example.com'], timeout: '0s' }))).toThrow(/approval\.timeout: 0s is less than the minimum of 1s/);
    expect(with_((c) => (c.flags = { f: { probe: { url: 'file:///etc/passwd', expectJsonPath: '$.on', expectValue: false } } }))).toThrow(/probe url: an http\(s\) URL/);
    expect(with_((c) => ((c.flagsmith as Record<string, unknown>).apiUrl = 'ftp://flagsmith.example.com'))).toThrow(/apiUrl: an http\(s\) URL/);
    expect(with_((c) => ((c.flagsmith as Record<string, unknown>).timeout = '10'))).toThrow(/flagsmith\.timeout: .*unit/);
    expect(with_((c) => ((c.flagsmith as Record<string, unknown>).timeout = '10m'))).toThrow(/flagsmith\.timeout: 10m is more than the limit of 5m/);
    expect(with_((c) => ((c.flagsmith as Record<string, unknown>).requestsPerMinute = 0))).toThrow(/flagsmith\.requestsPerMinute/);
    expect(with_((c) => (c.documentSync = { minPassInterval: '2m' }))).toThrow(/documentSync\.minPassInterval: 2m is more than the limit of 1m/);
    const leaky = () => parseConfig(sampleConfig(), 'flagops.yaml', { FLAGSMITH_API_URL: 'http://u:hunter2@[bad' });
    expect(leaky).toThrow(/FLAGSMITH_API_URL: not a URL/);
    expect(leaky).not.toThrow(/hunter2/);
    expect(() => parseConfig(sampleConfig(), 'flagops.yaml', { FLAGSMITH_API_URL: 'https://u:hunter2@flagsmith.example.com' })).toThrow(/must not carry a user or password/);
  });

  it('names FLAGOPS_CONFIG when the file is missing, and the file when YAML is broken', () => {
    expect(() => loadConfig({ FLAGOPS_CONFIG: '/nonexistent/flagops.yaml' })).toThrow(ConfigError);
    expect(() => loadConfig({ FLAGOPS_CONFIG: '/nonexistent/flagops.yaml' })).toThrow(/FLAGOPS_CONFIG: cannot read \/nonexistent\/flagops\.yaml: file not found/);
    const path = writeConfigFile('flagsmith: [unclosed');
    expect(() => loadConfig({ FLAGOPS_CONFIG: path })).toThrow(new RegExp(`${path}: not valid YAML`));
  });

  it('accepts the shipped flagops.example.yaml', () => {
    const config = loadConfig({ FLAGOPS_CONFIG: 'flagops.example.yaml' });
    expect(config.flags.auto_invoke_matcher_on_intake_complete?.cohort?.params).toEqual(['flagOnAt']);
  });

  it('loads a valid file from FLAGOPS_CONFIG', () => {
    const path = writeConfigFile(sampleConfig());
    expect(loadConfig({ FLAGOPS_CONFIG: path }).flagsmith.environments.map((e) => e.name)).toEqual(['Production', 'Development']);
  });
});

describe('environment variables', () => {
  it('takes a bare admin token as a user token and keeps explicit schemes', () => {
    expect(normaliseAdminToken('abc123')).toBe('Token abc123');
    expect(normaliseAdminToken('Api-Key pre.fix')).toBe('Api-Key pre.fix');
    expect(normaliseAdminToken('Token abc')).toBe('Token abc');
  });

  it('names the missing variable and who needs it', () => {
    expect(() => adminToken({}, 'flagops rollback')).toThrow('FLAGSMITH_ADMIN_TOKEN is not set (needed by flagops rollback)');
  });

  it('derives server-key variable names as SPEC §2 says', () => {
    expect(serverKeyVariable('Production')).toBe('FLAGSMITH_SERVER_KEY_PRODUCTION');
    expect(serverKeyVariable('eu-west staging')).toBe('FLAGSMITH_SERVER_KEY_EU_WEST_STAGING');
  });

  it('uses the standard Temporal defaults and refuses half a client certificate', () => {
    expect(temporalSettings({})).toEqual({ address: 'localhost:7233', namespace: 'default' });
    expect(temporalSettings({ TEMPORAL_API_KEY: 'k', TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' }).tls).toEqual({});
    expect(() => temporalSettings({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' })).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH/);
  });

  it('validates METRICS_PORT, LOG_LEVEL and FLAGOPS_MAX_CACHED_WORKFLOWS by name', () => {
    expect(runtimeSettings({})).toEqual({ taskQueue: 'flagops', idPrefix: '', metricsPort: 9464, logLevel: 'info', maxCachedWorkflows: 400 });
    expect(runtimeSettings({ FLAGOPS_MAX_CACHED_WORKFLOWS: '50' }).maxCachedWorkflows).toBe(50);
    for (const bad of ['1', 'many', '2.5', '-3']) expect(() => runtimeSettings({ FLAGOPS_MAX_CACHED_WORKFLOWS: bad }), bad).toThrow(/^FLAGOPS_MAX_CACHED_WORKFLOWS: expected a whole number/);
    expect(() => runtimeSettings({ METRICS_PORT: 'abc' })).toThrow(/^METRICS_PORT: /);
    expect(() => runtimeSettings({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL: /);
  });
});

describe('durations', () => {
  it('parses and formats the forms used in configuration and flags', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1500')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0ms');
  });
});
