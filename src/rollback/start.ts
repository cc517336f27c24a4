/**
 * Starting a rollback: the one helper the CLI and the tests use. It builds the workflow id
 * (`<prefix>rollback-<flag>`), refuses to start while a run for the flag is open (naming it), and
 * sets the search attributes at start so the run is findable before its first workflow task.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { workflowIds } from '../ids.js';
import type { flagRollback } from '../../workflows/flag-rollback.js';
import type { RollbackInput } from '../../workflows/rollback/messages.js';
import { FlagNameKey, IncidentIdKey, RequestedByKey, RollbackStepKey } from '../../workflows/rollback/search-attributes.js';
import { cut } from '../../workflows/rollback/signals.js';

/** A rollback for this flag is already running; `workflowId`/`runId` name it. */
export class RollbackAlreadyRunningError extends Error {
  override readonly name = 'RollbackAlreadyRunningError';
  constructor(
    readonly workflowId: string,
    readonly runId: string | undefined,
  ) {
    super(`a rollback of this flag is already running: ${workflowId}${runId ? ` (run ${runId})` : ''}`);
  }
}

/** Input that cannot start a rollback; the message names the field. */
export class RollbackInputError extends Error {
  override readonly name = 'RollbackInputError';
}

export interface StartRollbackOptions {
  taskQueue: string;
  /** `FLAGOPS_ID_PREFIX`. */
  idPrefix: string;
  input: RollbackInput;
}

/** Checks that need no configuration; the workflow's plan checks the rest against the worker's config. */
export function checkRollbackInput(input: RollbackInput): void {
  for (const key of ['flag', 'requestedBy'] as const) {
    const value: unknown = input[key];
    if (typeof value !== 'string' || value.trim() === '') throw new RollbackInputError(`${key} is required`);
  }
  // `reason` and `incidentId` are optional (SPEC §6), but when given they must say something.
  for (const key of ['reason', 'incidentId'] as const) {
    const value: unknown = input[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw new RollbackInputError(`${key}: must not be empty when given`);
  }
  if (input.pr !== undefined && !/^[\w.-]+\/[\w.-]+#\d+$/.test(input.pr)) throw new RollbackInputError(`pr: expected owner/repo#N, got ${input.pr}`);
  if (input.flagOnAt !== undefined && Number.isNaN(Date.parse(input.flagOnAt))) {
    throw new RollbackInputError(`flagOnAt: not an ISO date-time: ${input.flagOnAt}`);
  }
  for (const key of ['cacheWaitMs', 'approvalTimeoutMs', 'verifyTimeoutMs', 'verifyIntervalMs', 'attentionTimeoutMs'] as const) {
    const value = input[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new RollbackInputError(`${key}: expected milliseconds ≥ 0`);
  }
}

/**
 * Start `flagRollback` for `input.flag`.
 * @throws RollbackInputError for input missing a required field.
 * @throws RollbackAlreadyRunningError when a run with the same id is open.
 */
export async function startRollback(client: Client, options: StartRollbackOptions): Promise<WorkflowHandleWithFirstExecutionRunId<typeof flagRollback>> {
  const { input } = options;
  checkRollbackInput(input);
  const workflowId = workflowIds.rollback(options.idPrefix, input.flag);
  try {
    return await client.workflow.start<typeof flagRollback>('flagRollback', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      // The values the workflow upserts itself (cut the same way), so they do not change under a search.
      typedSearchAttributes: [
        { key: FlagNameKey, value: input.flag },
        ...(input.incidentId !== undefined ? [{ key: IncidentIdKey, value: cut(input.incidentId) }] : []),
        { key: RequestedByKey, value: cut(input.requestedBy) },
        { key: RollbackStepKey, value: 'plan' },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      throw new RollbackAlreadyRunningError(workflowId, running?.runId);
    }
    throw error;
  }
}
