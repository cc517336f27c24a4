/**
 * `buildActivityDeps`: the one place the worker's clients are built from settings. Notifications
 * and probes share its one outbound HTTP pool instead of each building their own.
 */
import { describe, expect, it } from 'vitest';
import { outboundHttp } from '../activities/deps.js';
import { parseConfig } from '../src/config/load.js';
import { HttpClient } from '../src/http.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { buildActivityDeps } from '../src/worker.js';
import { sampleConfig } from './helpers/cli.js';

describe('buildActivityDeps', () => {
  it('passes one shared HttpClient (deps.http), which notifications and probes use, and closes it', async () => {
    const built = buildActivityDeps({
      config: parseConfig(sampleConfig(), 'test', {}),
      env: { FLAGSMITH_ADMIN_TOKEN: 'tok', SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook' },
      log: createLogger('silent'),
      metrics: createMetrics(),
    });
    expect(built.deps.http).toBeInstanceOf(HttpClient);
    expect(outboundHttp(built.deps)).toBe(built.deps.http);
    await built.close();
  });

  it('deps built without one (tests, scripts) share a single fallback client', () => {
    const deps = { config: parseConfig(sampleConfig(), 'test', {}), log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} } };
    expect(outboundHttp(deps)).toBe(outboundHttp({ ...deps }));
  });

  it('points GitHub comments at GITHUB_API_URL (GitHub Enterprise) when it is set, no override otherwise (notify then uses api.github.com)', async () => {
    const base = { config: parseConfig(sampleConfig(), 'test', {}), log: createLogger('silent'), metrics: createMetrics() };
    const enterprise = buildActivityDeps({ ...base, env: { GITHUB_API_URL: 'https://github.example.com/api/v3' } });
    expect(enterprise.deps.endpoints?.githubApiUrl).toBe('https://github.example.com/api/v3');
    await enterprise.close();
    const github = buildActivityDeps({ ...base, env: {} });
    expect(github.deps.endpoints).toBeUndefined();
    await github.close();
  });
});
