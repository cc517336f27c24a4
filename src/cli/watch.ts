/**
 * Reading a rollback's state from a client: the `status` query while a worker answers it, the
 * workflow result once the run completed, and the server's own execution status for runs that
 * ended without a result (terminated, timed out, failed).
 */
import { type Client, type WorkflowExecutionDescription, type WorkflowExecutionStatusName, type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { finalStatuses, statusQuery, type RollbackInput, type RollbackStatus } from '../../workflows/rollback/messages.js';

/** How long one `status` query may take: with no worker polling, Temporal holds it until a deadline. */
const QUERY_DEADLINE_MS = 10_000;

/** The workflow's signature as clients see it (the CLI needs no import of workflow code). */
export type RollbackWorkflow = (input: RollbackInput) => Promise<RollbackStatus>;
export type RollbackHandle = WorkflowHandle<RollbackWorkflow>;

export interface Observation {
  /** Null when neither the query nor the result could give one (e.g. no worker yet). */
  status: RollbackStatus | null;
  execution: WorkflowExecutionStatusName;
  /** Why `status` is null or may be stale (query failed, run ended abnormally). */
  problem: string | null;
}

/** Whether `rollback`/`approve` should stop following: the run ended or waits for a human. */
export function isSettled(status: RollbackStatus): boolean {
  return finalStatuses.includes(status.status) || status.status === 'needs_attention';
}

/** Exit code of a settled status: only `completed` is a success (SPEC §6). */
export function exitCodeOf(status: RollbackStatus): number {
  return status.status === 'completed' ? 0 : 1;
}

/** Query `status` within a deadline. */
export async function queryStatus(client: Client, handle: RollbackHandle, deadlineMs = QUERY_DEADLINE_MS): Promise<RollbackStatus> {
  return client.connection.withDeadline(Date.now() + deadlineMs, () => handle.query(statusQuery));
}

/** One look at a run: its execution status from the server, and the best rollback status available. */
export async function observe(client: Client, handle: RollbackHandle, deadlineMs = QUERY_DEADLINE_MS, described?: WorkflowExecutionDescription): Promise<Observation> {
  // A description just fetched (by `pinCurrentRun`) saves a round trip.
  const description = described ?? (await handle.describe());
  const execution = description.status.name;
  if (execution === 'COMPLETED') {
    // The result is the final status and needs no worker.
    return { status: await handle.result(), execution, problem: null };
  }
  let status: RollbackStatus | null = null;
  let problem: string | null = null;
  try {
    status = await queryStatus(client, handle, deadlineMs);
  } catch (error) {
    problem = `the status query got no answer (is a worker polling task queue ${description.taskQueue}?): ${error instanceof Error ? error.message : String(error)}`;
  }
  if (execution !== 'RUNNING') {
    // Ended without a result: only an unexpected error, a terminate or a timeout do that (SPEC §3).
    let detail = `the run ended as ${execution}`;
    if (execution === 'FAILED') {
      detail = await handle.result().then(
        () => detail,
        (error: unknown) => (error instanceof WorkflowFailedError && error.cause ? `failed: ${error.cause.message}` : detail),
      );
    }
    if (status && !finalStatuses.includes(status.status)) {
      const final = execution === 'CANCELLED' ? 'cancelled' : 'failed';
      status = { ...status, status: final, outcome: { status: final, at: description.closeTime?.toISOString() ?? status.updatedAt, by: null, detail } };
    }
    problem ??= detail;
  }
  return { status, execution, problem };
}

export interface FollowOptions {
  /** Pause between observations. Default 1 s. */
  intervalMs?: number;
  /** Called with every observation that has a status. */
  onStatus?: (status: RollbackStatus) => void;
  /** Called once per distinct problem (e.g. no worker answering). */
  onProblem?: (problem: string) => void;
  /** Stop early (e.g. `approve` waiting for a plan). Default: the run settled. */
  until?: (status: RollbackStatus) => boolean;
  /** Give up after this long (ms); resolves with the last observation. */
  timeoutMs?: number;
}

/** Poll a run until `until` holds, the run ends, or the timeout passes. */
export async function follow(client: Client, handle: RollbackHandle, options: FollowOptions): Promise<Observation> {
  const until = options.until ?? isSettled;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let lastProblem: string | null = null;
  for (;;) {
    const observation = await observe(client, handle, Math.min(QUERY_DEADLINE_MS, Math.max(1_000, deadline - Date.now())));
    if (observation.status) options.onStatus?.(observation.status);
    if (observation.problem && observation.problem !== lastProblem) options.onProblem?.(observation.problem);
    lastProblem = observation.problem;
    if (observation.status && until(observation.status)) return observation;
    if (observation.execution !== 'RUNNING') return observation;
    if (Date.now() >= deadline) return observation;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1_000));
  }
}
