/**
 * Activities of the environment-document sync (SPEC §4): the guard reads Flagsmith's tables, the
 * build fetches the document from Flagsmith's API, checks completeness and writes the store, and
 * the record step (counter + `environment_document.written` log line) happens here because
 * workflow code cannot touch prom-client or pino.
 */
import { canonicalJson, sha256Hex } from '../src/store/canonical.js';
import type { DocumentStore } from '../src/store/document-store.js';
import { PostgresDocumentStore } from '../src/store/postgres-document-store.js';
import { checkCompleteness } from '../src/document-sync/completeness.js';
import {
  type IsCreatingColumns,
  creatingState,
  detectIsCreatingColumns,
  environmentById,
  nextScheduledLiveFrom,
  projectFeatureIds,
} from '../src/document-sync/flagsmith-tables.js';
import type { BuildRequest, BuildResult, GuardResult, SyncFailureReport } from '../workflows/document-sync/messages.js';
import { FailureType, failure } from '../src/failures.js';
import type { FlagsmithClient } from '../src/flagsmith/client.js';
import { HttpError, httpFailure } from '../src/http.js';
import type { Database } from '../src/db/sql.js';
import type { ActivityDeps } from './deps.js';

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw failure(FailureType.Config, `the document sync needs ${what}; this worker was started without it`);
  return value;
}

/** The store the deps name, else the PostgreSQL one over `FLAGOPS_DATABASE_URL`. */
export function documentStoreOf(deps: ActivityDeps): DocumentStore {
  return deps.documentStore ?? new PostgresDocumentStore(need(deps.flagopsDb, 'FLAGOPS_DATABASE_URL'));
}

/**
 * The sync's activities over `deps`. Each throws a non-retryable `Config` failure when the worker
 * lacks a database or the Flagsmith client it needs.
 */
export function createDocumentSyncActivities(deps: ActivityDeps) {
  // "Detected once": the schema of Flagsmith's database does not change under a running worker.
  let columns: Promise<IsCreatingColumns> | undefined;
  const flagsmithDb = (): Database => need(deps.flagsmithDb, 'FLAGSMITH_DATABASE_URL');
  const flagsmith = (): FlagsmithClient => need(deps.flagsmith, 'a Flagsmith client (FLAGSMITH_ADMIN_TOKEN)');
  let store: DocumentStore | undefined;
  const documentStore = (): DocumentStore => (store ??= documentStoreOf(deps));

  return {
    /** Step 1 (guard), plus the next scheduled go-live and the stored pass sequence. */
    async inspectEnvironmentForSync(environmentId: number): Promise<GuardResult> {
      const db = flagsmithDb();
      const environment = await environmentById(db, environmentId);
      if (!environment) return { found: false };
      columns ??= detectIsCreatingColumns(db).then(
        (found) => {
          deps.log.info({ event: 'flagsmith_schema.is_creating_columns', ...found }, 'is_creating columns detected in Flagsmith\'s schema');
          return found;
        },
        (error: unknown) => {
          columns = undefined;
          throw error;
        },
      );
      let creating;
      try {
        creating = await creatingState(db, environment, await columns);
      } catch (error) {
        // 42703 undefined_column: the schema lost a column under a running worker (a downgrade);
        // detect again on the activity's retry rather than failing every pass until a restart.
        if ((error as { code?: unknown }).code === '42703') columns = undefined;
        throw error;
      }
      const nextLiveFrom = await nextScheduledLiveFrom(db, environment.id);
      const stored = await documentStore().info(environment.apiKey);
      return {
        found: true,
        environment,
        creating,
        nextLiveFrom: nextLiveFrom === null ? null : nextLiveFrom.toISOString(),
        storedSequence: stored?.passSequence ?? 0,
      };
    },

    /** Steps 2–5: build, completeness, write (ordered by pass sequence), record. */
    async buildAndWriteEnvironmentDocument(request: BuildRequest): Promise<BuildResult> {
      const { environment, passSequence } = request;
      let document;
      try {
        ({ document } = await flagsmith().getEnvironmentDocument(environment.apiKey));
      } catch (error) {
        throw error instanceof HttpError ? httpFailure(error) : error;
      }
      // The features are read after the document on purpose: a feature created in between is then
      // reported missing (and retried) instead of being silently left out of the check.
      const features = await projectFeatureIds(flagsmithDb(), environment.projectId);
      const completeness = checkCompleteness(document, features);
      if (completeness.missingFeatureIds.length > 0) {
        return {
          status: 'incomplete',
          missingFeatureIds: completeness.missingFeatureIds.slice(0, 20),
          missingCount: completeness.missingFeatureIds.length,
          featureStatesCount: completeness.featureStatesCount,
        };
      }
      const documentJson = canonicalJson(document);
      const bytes = Buffer.byteLength(documentJson);
      const contentHash = sha256Hex(documentJson);
      let outcome;
      try {
        outcome = await documentStore().write({
          environmentApiKey: environment.apiKey,
          environmentId: environment.id,
          documentJson,
          featureStatesCount: completeness.featureStatesCount,
          bytes,
          contentHash,
          passSequence,
        });
      } catch (error) {
        // Counted once, by the workflow, if the pass fails for good: a retry that succeeds is no failure.
        deps.log.warn({ event: 'environment_document.write_failed', environment__id: environment.id, err: error }, 'environment document write failed');
        throw error;
      }
      if (outcome.result === 'stale') return { status: 'stale', storedSequence: outcome.storedSequence };
      if (outcome.result === 'written') {
        deps.metrics.environmentDocumentWrites.inc({ result: 'success' });
        deps.log.info(
          {
            event: 'environment_document.written',
            environment__id: environment.id,
            feature_states__count: completeness.featureStatesCount,
            document__bytes: bytes,
            pass__sequence: passSequence,
          },
          'environment document written',
        );
      }
      return { status: outcome.result, featureStatesCount: completeness.featureStatesCount, bytes, contentHash };
    },

    /**
     * The environment is gone from Flagsmith: drop its stored document, so nothing serves the flags
     * of a deleted environment, and say so once.
     */
    async removeEnvironmentDocument(environmentId: number): Promise<number> {
      const removed = await documentStore().remove(environmentId);
      deps.log.info({ event: 'environment_document.removed', environment__id: environmentId, documents__count: removed }, 'environment deleted: document removed');
      return removed;
    },

    /** A pass that gave up or failed: the `failure` count and a warning (SPEC §4 step 1). */
    recordEnvironmentDocumentFailure(report: SyncFailureReport): Promise<void> {
      deps.metrics.environmentDocumentWrites.inc({ result: 'failure' });
      deps.log.warn(
        { event: 'environment_document.not_written', environment__id: report.environmentId, reason: report.reason, attempts: report.attempts, detail: report.detail },
        'environment document not written',
      );
      return Promise.resolve();
    },
  };
}
