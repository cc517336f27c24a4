/**
 * The document sync on Flagsmith schemas without `is_creating`: real Flagsmith has the column on
 * environments but not on features (seed 001's proposal), and older schemas have neither. A
 * missing column counts as "not creating", is looked up once per worker, and the completeness
 * check still keeps partial documents out of the store.
 */
import { describe, expect, it } from 'vitest';
import type { Database } from '../src/db/sql.js';
import { insertEnvironmentDefaultState } from '../src/devtools/flagsmith-fixtures.js';
import { runWithWorker } from './helpers/temporal.js';
import { createEnvironment, syncFixture, syncInput, timersStarted, waitForStatus, wake } from './helpers/document-sync.js';

/** The Flagsmith database, counting the catalog lookups made through it. */
function countingCatalogQueries(db: Database): { db: Database; catalogQueries: () => number } {
  let count = 0;
  const counting = new Proxy(db, {
    get(target, property) {
      if (property === 'query') {
        return (text: string, values?: readonly unknown[]) => {
          if (text.includes('information_schema')) count += 1;
          return target.query(text, values);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counting, catalogQueries: () => count };
}

describe('environmentDocumentSync without is_creating columns', async () => {
  const fx = await syncFixture();
  const flagsmith = fx.flagsmithDb.db;

  it("with only the environment's column (today's Flagsmith), still waits for a cloning environment; detects the schema once", async () => {
    await flagsmith.query('ALTER TABLE features_feature DROP COLUMN is_creating');
    const env = await createEnvironment(flagsmith, { features: 2, isCreating: true });
    const { deps, logs } = fx.deps();
    const counted = countingCatalogQueries(flagsmith);
    await runWithWorker({ deps: { ...deps, flagsmithDb: counted.db } }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxAttempts: 20, backoffBaseMs: 100 }));
      // Two backoffs started: the guard has refused twice, and nothing may have been written.
      await expect.poll(async () => (await timersStarted(ctx.client, id)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect(await fx.store.info(env.apiKey)).toBeUndefined();
      await flagsmith.query('UPDATE environments_environment SET is_creating = false WHERE id = $1', [env.id]);
      const status = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(status.state.recentPasses[0]).toMatchObject({ outcome: 'written', featureStatesCount: 2 });
      expect(status.state.recentPasses[0]?.attempts).toBeGreaterThan(1);
    });
    expect(counted.catalogQueries()).toBe(1);
    expect(logs.events('flagsmith_schema.is_creating_columns')).toEqual([expect.objectContaining({ environment: true, feature: false })]);
  });

  it('with neither column, treats everything as created and lets completeness refuse a partial document; detects once', async () => {
    await flagsmith.query('ALTER TABLE environments_environment DROP COLUMN is_creating');
    const env = await createEnvironment(flagsmith, { features: 3, seeded: 2 });
    const { deps, logs } = fx.deps();
    const counted = countingCatalogQueries(flagsmith);
    await runWithWorker({ deps: { ...deps, flagsmithDb: counted.db } }, async (ctx) => {
      const id = await wake(ctx, syncInput(env.id, { maxAttempts: 3, backoffBaseMs: 100 }));
      const gaveUp = await waitForStatus(ctx.client, id, (s) => s.state.passes === 1);
      expect(gaveUp.state.recentPasses[0]).toMatchObject({ outcome: 'gave_up', attempts: 3 });
      expect(logs.events('environment_document.not_written')[0]).toMatchObject({ reason: 'incomplete' });
      expect(await fx.store.info(env.apiKey)).toBeUndefined();

      await insertEnvironmentDefaultState(flagsmith.pool, { environmentId: env.id, featureId: env.featureIds[2] ?? 0 });
      await wake(ctx, syncInput(env.id));
      const written = await waitForStatus(ctx.client, id, (s) => s.state.passes === 2);
      expect(written.state.recentPasses[1]).toMatchObject({ outcome: 'written', featureStatesCount: 3 });
    });
    // Four guard runs (three attempts, then one), one catalog lookup.
    expect(counted.catalogQueries()).toBe(1);
    expect(logs.events('flagsmith_schema.is_creating_columns')).toEqual([expect.objectContaining({ environment: false, feature: false })]);
  });
});
