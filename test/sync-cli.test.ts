/** `flagops sync <environment>` (the real CLI) against a worker with the sync on. */
import { describe, expect, inject, it } from 'vitest';
import { cliEnv, runCli, sampleConfig, writeConfigFile } from './helpers/cli.js';
import { createEnvironment, syncFixture } from './helpers/document-sync.js';
import { runWithWorker, uniqueName } from './helpers/temporal.js';

describe('flagops sync', async () => {
  const fx = await syncFixture();

  it('runs a pass now and prints what was written, then that the document is current, or why nothing was', async () => {
    const ready = await createEnvironment(fx.flagsmithDb.db, { features: 3 });
    const partial = await createEnvironment(fx.flagsmithDb.db, { features: 3, seeded: 1 });
    const { deps } = fx.deps({ backoffBase: '100ms', maxAttempts: 2 });
    const taskQueue = uniqueName('sync-cli');
    const idPrefix = `${uniqueName('sync')}-`;
    const env = cliEnv({
      FLAGOPS_CONFIG: writeConfigFile({ ...sampleConfig(), documentSync: { backoffBase: '100ms', maxAttempts: 2 } }),
      FLAGSMITH_DATABASE_URL: fx.flagsmithDb.url,
      FLAGOPS_DATABASE_URL: fx.flagopsDb.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      FLAGOPS_TASK_QUEUE: taskQueue,
      FLAGOPS_ID_PREFIX: idPrefix,
    });
    await runWithWorker({ deps, taskQueue, idPrefix }, async () => {
      const first = await runCli(['sync', ready.name], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`^written: ${ready.name} \\(id ${ready.id}\\): 3 feature states, \\d+ bytes, pass 1, sha256 [0-9a-f]{64}`));
      expect(first.stdout).toContain('store: 3 feature states');

      const second = await runCli(['sync', String(ready.id)], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^unchanged: /);

      const refused = await runCli(['sync', partial.apiKey], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/^not written: .*gave_up after 2 attempt\(s\): 2 feature\(s\) without an environment default/);
      expect(refused.stdout).toContain('store: no document for this environment yet');
    });
    expect((await fx.store.info(ready.apiKey))?.featureStatesCount).toBe(3);

    const unknown = await runCli(['sync', 'no-such-environment'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('<environment>: no environment');
  });
});
