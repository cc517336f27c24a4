/**
 * The audit-log tailer's activity: read `audit_auditlog` past the durable cursor (re-reading an
 * overlap window, since rows commit out of id order), de-duplicate, map each row to its
 * environment or to every environment of its project, and signal-with-start their sync workflows.
 * The cursor moves only after every signal was sent: a crash in between re-sends wake-ups (a
 * harmless extra pass), never loses one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cancellationSignal } from '@temporalio/activity';
import { advanceCursor, readCursor, writeCursor, type AuditCursor } from '../src/document-sync/audit-cursor.js';
import type { Database } from '../src/db/sql.js';
import { allEnvironmentIds, auditRowsAfter, environmentIdsOfProject, maxAuditId } from '../src/document-sync/flagsmith-tables.js';
import type { AuditTailRequest, AuditTailResult } from '../workflows/document-sync/messages.js';
import { syncInputFromConfig, wakeEnvironmentSync } from '../src/document-sync/wake.js';
import { FailureType, failure } from '../src/failures.js';
import type { ActivityDeps } from './deps.js';

/**
 * True as soon as a row past `highWater` has committed, false after `waitMs` (or when the activity
 * is cancelled). One indexed `max(id)` per check: cheap enough to run every 200 ms.
 */
async function rowsAfter(db: Database, highWater: number, waitMs: number, checkEveryMs: number): Promise<boolean> {
  const signal = cancellationSignal();
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    try {
      await sleep(Math.min(checkEveryMs, Math.max(0, deadline - Date.now())), undefined, { signal });
    } catch {
      return false;
    }
    if ((await maxAuditId(db)) > highWater) return true;
  }
  return false;
}

/** What one read needs: the databases, the request, and how to wake an environment's sync. */
interface ReadContext {
  flagsmithDb: Database;
  flagopsDb: Database;
  request: AuditTailRequest;
  wake: (environmentId: number, auditIds: number[], source: 'audit' | 'start') => Promise<unknown>;
  log: ActivityDeps['log'];
}

/** Read past the cursor (and its overlap window), wake every environment named, move the cursor. */
async function readAndWake({ flagsmithDb, flagopsDb, request, wake, log }: ReadContext, cursor: AuditCursor): Promise<AuditTailResult> {
  const windowStart = Math.max(0, cursor.highWater - request.overlapRows);
  const late = (await auditRowsAfter(flagsmithDb, windowStart, request.overlapRows)).filter((row) => row.id <= cursor.highWater);
  const fresh = await auditRowsAfter(flagsmithDb, cursor.highWater, request.batchSize);
  const seen = new Set(cursor.seenIds);
  const lateIds = late.filter((row) => !seen.has(row.id)).map((row) => row.id);
  const rows = [...late, ...fresh].filter((row) => !seen.has(row.id));

  const idsByEnvironment = new Map<number, number[]>();
  const projectEnvironments = new Map<number, number[]>();
  for (const row of rows) {
    let targets: number[] = [];
    if (row.environmentId !== null) targets = [row.environmentId];
    else if (row.projectId !== null) {
      let ids = projectEnvironments.get(row.projectId);
      if (!ids) projectEnvironments.set(row.projectId, (ids = await environmentIdsOfProject(flagsmithDb, row.projectId)));
      targets = ids;
    }
    for (const id of targets) idsByEnvironment.set(id, [...(idsByEnvironment.get(id) ?? []), row.id]);
  }
  for (const [environmentId, auditIds] of idsByEnvironment) await wake(environmentId, auditIds, 'audit');

  const next = advanceCursor(cursor, rows.map((row) => row.id), request.overlapRows);
  if (rows.length > 0) await writeCursor(flagopsDb, request.tailer, next);
  if (lateIds.length > 0) log.info({ event: 'audit_tail.late_rows', ids: lateIds }, 'audit rows committed out of id order');
  return { rows: rows.length, environments: idsByEnvironment.size, highWater: next.highWater, more: fresh.length === request.batchSize };
}

/** At most this many audit ids ride on one wake signal (they are evidence, not instructions). */
const MAX_IDS_PER_WAKE = 50;

/** The tailer's activity over `deps`; it needs both databases and a Temporal client (else a `Config` failure). */
export function createAuditTailActivities(deps: ActivityDeps) {
  return {
    async tailAuditLog(request: AuditTailRequest): Promise<AuditTailResult> {
      const { flagsmithDb, flagopsDb, temporal } = deps;
      if (!flagsmithDb || !flagopsDb || !temporal) {
        throw failure(FailureType.Config, 'the audit-log tailer needs FLAGSMITH_DATABASE_URL, FLAGOPS_DATABASE_URL and a Temporal client');
      }
      const wake = (environmentId: number, auditIds: number[], source: 'audit' | 'start') =>
        wakeEnvironmentSync(temporal, syncInputFromConfig(deps.config, environmentId), {
          source,
          ...(auditIds.length ? { auditIds: auditIds.slice(-MAX_IDS_PER_WAKE) } : {}),
        });

      const cursor = await readCursor(flagopsDb, request.tailer);
      if (!cursor) {
        // First start: nothing is known about the store, so every environment gets one pass, and
        // tailing starts at the current end of the log. The rows already inside the overlap window
        // are covered by that pass: they go in as seen, or the next poll's re-read would hand them
        // out again as if they had committed late.
        const highWater = await maxAuditId(flagsmithDb);
        const windowRows = await auditRowsAfter(flagsmithDb, Math.max(0, highWater - request.overlapRows), request.overlapRows);
        const environments = await allEnvironmentIds(flagsmithDb);
        for (const id of environments) await wake(id, [], 'start');
        await writeCursor(flagopsDb, request.tailer, {
          highWater,
          seenIds: windowRows.filter((row) => row.id <= highWater).map((row) => row.id),
        });
        deps.log.info({ event: 'audit_tail.started', highWater, environments: environments.length }, 'audit-log tailer started');
        return { rows: 0, environments: environments.length, highWater, more: false };
      }

      const context = { flagsmithDb, flagopsDb, request, wake, log: deps.log };
      let result = await readAndWake(context, cursor);
      // Long poll: with nothing new, wait here (checking every `checkEveryMs`) for the next row, so
      // a change wakes its environment within a check instead of after the workflow's next timer.
      if (result.rows === 0 && request.waitForRowsMs && (await rowsAfter(flagsmithDb, cursor.highWater, request.waitForRowsMs, request.checkEveryMs ?? 200))) {
        result = await readAndWake(context, cursor);
      }
      return result;
    },
  };
}
