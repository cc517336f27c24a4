/**
 * Waking sync workflows: signal-with-start, so one call starts the environment's workflow when it
 * is not running and signals it either way. Used by the tailer's activity, `flagops webhooks` and
 * `flagops sync` (workflow code cannot signal-with-start).
 */
import type { Client } from '@temporalio/client';
import type { FlagopsConfig } from '../config/schema.js';
import { workflowIds } from '../ids.js';
import type { environmentDocumentSync } from '../../workflows/environment-document-sync.js';
import { changedSignal, type EnvironmentDocumentSyncInput, type SyncWake } from '../../workflows/document-sync/messages.js';

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
