/**
 * `flagops sync <environment>`: run a document-sync pass now (through the environment's sync
 * workflow, so it is ordered with every other pass) and print what was written, or why nothing was.
 *
 * Its definition (options, help) is `../commands/sync.ts`; this body is loaded only when it runs.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { durationOption, requireVar, runtimeSettings, temporalSettings } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import type { FlagopsConfig } from '../../config/schema.js';
import { Database, migrate } from '../../db/sql.js';
import { findEnvironment } from '../../document-sync/flagsmith-tables.js';
import type { SyncEnvironment } from '../../../workflows/document-sync/messages.js';
import { syncInputFromConfig, syncNow } from '../../document-sync/wake.js';
import { workflowIds } from '../../ids.js';
import { PostgresDocumentStore } from '../../store/postgres-document-store.js';
import { connectClient } from '../../temporal/connection.js';
import type { PassSummary } from '../../../workflows/document-sync/messages.js';
import { ExitCode } from '../action.js';

/** The environment the user named: the configuration first, then Flagsmith's database. */
async function resolveEnvironment(config: FlagopsConfig, db: Database, needle: string): Promise<SyncEnvironment> {
  const configured = config.flagsmith.environments.find((e) => e.name === needle || e.apiKey === needle || String(e.id) === needle);
  const found = await findEnvironment(db, configured ? String(configured.id) : needle);
  if (found.length === 1 && found[0]) return found[0];
  if (found.length === 0) throw new ConfigError(`<environment>: no environment with name, id or api key ${JSON.stringify(needle)} in Flagsmith's database`);
  const inProject = found.filter((e) => e.projectId === config.flagsmith.projectId);
  if (inProject.length === 1 && inProject[0]) return inProject[0];
  throw new ConfigError(`<environment>: ${JSON.stringify(needle)} names ${found.length} environments (ids ${found.map((e) => e.id).join(', ')}); use an id`);
}

/**
 * Ask the environment's sync for a pass (update-with-start, so it starts the workflow if need be)
 * and wait (up to `--timeout`) for the pass that serves the request. Throws `ConfigError` for an unknown or ambiguous environment or a missing variable.
 * @returns 0 when the store holds the current document, 1 when the pass wrote nothing or none ran.
 */
export async function runSync(env: NodeJS.ProcessEnv, needle: string, options: { timeout: string; json?: boolean }): Promise<number> {
  const timeoutMs = durationOption('--timeout', options.timeout);
  const config = loadConfig(env);
  const flagsmithUrl = requireVar(env, 'FLAGSMITH_DATABASE_URL', 'flagops sync');
  const flagopsUrl = requireVar(env, 'FLAGOPS_DATABASE_URL', 'flagops sync');
  const runtime = runtimeSettings(env);
  const temporal = temporalSettings(env);
  const flagsmithDb = new Database(flagsmithUrl, "Flagsmith's database (FLAGSMITH_DATABASE_URL)", { max: 2 });
  const flagopsDb = new Database(flagopsUrl, 'document store (FLAGOPS_DATABASE_URL)', { max: 2 });
  try {
    const environment = await resolveEnvironment(config, flagsmithDb, needle);
    await migrate(flagopsDb, 'flagops');
    const client = await connectClient(temporal);
    let pass: PassSummary;
    try {
      const target = { client, taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix };
      try {
        ({ pass } = await syncNow(target, syncInputFromConfig(config, environment.id), randomUUID(), timeoutMs));
      } catch (error) {
        const why = error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? error.message) : error instanceof Error ? error.message : String(error);
        process.stderr.write(
          `flagops: no pass of ${workflowIds.environmentDocumentSync(runtime.idPrefix, environment.id)} within ${options.timeout}: ${why} (is a worker with the sync on polling task queue ${runtime.taskQueue}?)\n`,
        );
        return ExitCode.Unsuccessful;
      }
    } finally {
      await client.connection.close();
    }
    const stored = await new PostgresDocumentStore(flagopsDb).info(environment.apiKey);
    const ok = pass.outcome === 'written' || pass.outcome === 'unchanged';
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ environment, pass, stored: stored ?? null }, null, 2)}\n`);
    } else {
      const name = `${environment.name} (id ${environment.id})`;
      if (pass.outcome === 'written') {
        process.stdout.write(`written: ${name}: ${pass.featureStatesCount} feature states, ${pass.bytes} bytes, pass ${pass.sequence}, sha256 ${pass.contentHash}\n`);
      } else if (pass.outcome === 'unchanged') {
        process.stdout.write(`unchanged: ${name}: the stored document is current (${pass.featureStatesCount} feature states, ${pass.bytes} bytes, pass ${pass.sequence})\n`);
      } else {
        process.stdout.write(`not written: ${name}: ${pass.outcome} after ${pass.attempts} attempt(s): ${pass.detail ?? 'no detail'}\n`);
      }
      if (stored) {
        process.stdout.write(
          `store: ${stored.featureStatesCount} feature states, ${stored.bytes} bytes, pass ${stored.passSequence}, written ${stored.writtenAt.toISOString()}\n`,
        );
      } else {
        process.stdout.write('store: no document for this environment yet\n');
      }
    }
    return ok ? ExitCode.Ok : ExitCode.Unsuccessful;
  } finally {
    await flagsmithDb.close();
    await flagopsDb.close();
  }
}
