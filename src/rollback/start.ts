/**
 * Starting a rollback: the one helper the CLI and the tests use. It builds the workflow id
 * (`<prefix>rollback-<flag>`), refuses to start while a run for the flag is open (naming it), and
 * sets the search attributes at start so the run is findable before its first workflow task.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { workflowIds } from '../ids.js';
import type { flagRollback } from '../../workflows/flag-rollback.js';
import type { RollbackInput } from '../../workflows/rollback/messages.js';
import { AlertFingerprintKey, FlagNameKey, IncidentIdKey, RequestedByKey, RollbackStepKey } from '../../workflows/rollback/search-attributes.js';
import { cut } from '../../workflows/rollback/signals.js';
import { parseRollbackInput } from './input.js';

export { RollbackInputError } from './input.js';

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

export interface StartRollbackOptions {
  taskQueue: string;
  /** `FLAGOPS_ID_PREFIX`. */
  idPrefix: string;
  input: RollbackInput;
}

/** The Temporal UI's static summary of a run: what it rolls back, where, for whom (one line). */
export function staticSummaryOf(input: RollbackInput): string {
  const target = input.target?.enabled ? 'ON' : 'OFF';
  const where = input.environments?.length ? input.environments.join(', ') : 'every configured environment';
  const incident = input.incidentId ? ` for incident ${input.incidentId}` : '';
  return cut(`Roll ${input.flag} back to ${target} in ${where}${incident}, requested by ${input.requestedBy}`);
}

/**
 * Start `flagRollback` for `input.flag`.
 * @throws RollbackInputError naming the first field of `input` to fix (see `rollbackInputSchema`).
 * @throws RollbackAlreadyRunningError when a run with the same id is open.
 */
export async function startRollback(client: Client, options: StartRollbackOptions): Promise<WorkflowHandleWithFirstExecutionRunId<typeof flagRollback>> {
  const input = parseRollbackInput(options.input);
  const workflowId = workflowIds.rollback(options.idPrefix, input.flag);
  try {
    return await client.workflow.start<typeof flagRollback>('flagRollback', {
      taskQueue: options.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: staticSummaryOf(input),
      // The values the workflow upserts itself (cut the same way), so they do not change under a search.
      typedSearchAttributes: [
        { key: FlagNameKey, value: input.flag },
        ...(input.incidentId !== undefined ? [{ key: IncidentIdKey, value: cut(input.incidentId) }] : []),
        { key: RequestedByKey, value: cut(input.requestedBy) },
        { key: RollbackStepKey, value: 'plan' },
        ...(input.alert ? [{ key: AlertFingerprintKey, value: cut(input.alert.fingerprint) }] : []),
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
