/**
 * Waking sync workflows: signal-with-start, so one call starts the environment's workflow when it
 * is not running and signals it either way (the tailer's activity, `flagops webhooks`; workflow
 * code cannot signal-with-start); and update-with-start for `flagops sync`, which waits for the
 * very pass that serves its request.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { FlagopsConfig } from '../config/schema.js';
import { workflowIds } from '../ids.js';
import type { environmentDocumentSync } from '../../workflows/environment-document-sync.js';
import { changedSignal, syncNowUpdate, type EnvironmentDocumentSyncInput, type PassSummary, type SyncWake } from '../../workflows/document-sync/messages.js';

/** Where sync workflows run and how they are named. */
export interface SyncTarget {
  client: Client;
  taskQueue: string;
  idPrefix: string;
}

/** The workflow input for an environment from `documentSync` in flagops.yaml. */
export function syncInputFromConfig(config: FlagopsConfig, environmentId: number): EnvironmentDocumentSyncInput {
  return {
    environmentId,
    backoffBaseMs: config.documentSync.backoffBase,
    maxAttempts: config.documentSync.maxAttempts,
    reconcileEveryMs: config.documentSync.reconcileEvery,
    minPassIntervalMs: config.documentSync.minPassInterval,
  };
}

/**
 * Signal-with-start the sync workflow of one environment. `input` is used only when the workflow
 * is not running. @returns the workflow id.
 */
export async function wakeEnvironmentSync(target: SyncTarget, input: EnvironmentDocumentSyncInput, wake: SyncWake): Promise<string> {
  const workflowId = workflowIds.environmentDocumentSync(target.idPrefix, input.environmentId);
  await target.client.workflow.signalWithStart<typeof environmentDocumentSync, [SyncWake]>('environmentDocumentSync', {
    workflowId,
    taskQueue: target.taskQueue,
    args: [input],
    signal: changedSignal,
    signalArgs: [wake],
  });
  return workflowId;
}

/**
 * Update-with-start the sync workflow of one environment with `syncNow`: starts it when it is not
 * running, and resolves with the pass that served `requestId`.
 * @throws WorkflowUpdateFailedError when the workflow refuses the request; the connection's
 *   deadline error past `timeoutMs` (no worker, or a pass still backing off).
 */
export async function syncNow(target: SyncTarget, input: EnvironmentDocumentSyncInput, requestId: string, timeoutMs: number): Promise<{ workflowId: string; pass: PassSummary }> {
  const workflowId = workflowIds.environmentDocumentSync(target.idPrefix, input.environmentId);
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof environmentDocumentSync>('environmentDocumentSync', {
    workflowId,
    taskQueue: target.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const pass = await target.client.connection.withDeadline(Date.now() + timeoutMs, () =>
    target.client.workflow.executeUpdateWithStart(syncNowUpdate, { args: [{ requestId }], updateId: requestId, startWorkflowOperation }),
  );
  return { workflowId, pass };
}
