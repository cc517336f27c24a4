/**
 * Workflow interceptors every flagops bundle carries (the worker, the tests and replay use the
 * same list: `src/worker.ts` `workflowInterceptorModules`).
 *
 * Temporal reserves the `__temporal_` prefix: the SDK throws for a signal of that name when a
 * workflow has a default signal handler, and that fails every workflow task of the run, so anyone
 * allowed to signal could wedge a rollback. The interceptor renames such a signal before the SDK
 * routes it, so it reaches the default handler, which records it as refused. The renaming is
 * deterministic (the same on every replay). flagops registers no handler of a reserved name.
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const RESERVED_PREFIX = '__temporal_';
const RENAMED_PREFIX = 'flagops-reserved-name:';

/** The reserved name a renamed signal was sent with, or null for an ordinary name. */
export function reservedSignalName(name: string): string | null {
  return name.startsWith(RENAMED_PREFIX) ? name.slice(RENAMED_PREFIX.length) : null;
}

/** The name a signal was sent with (undoing the interceptor's renaming). */
export function signalNameAsSent(name: string): string {
  return reservedSignalName(name) ?? name;
}

/** Why a signal no handler knows is refused, in the words the default handlers record. */
export function unknownSignalReason(name: string): string {
  const reserved = reservedSignalName(name);
  const shown = (reserved ?? name).slice(0, 100);
  return reserved !== null ? `reserved signal name "${shown}" (the ${RESERVED_PREFIX} prefix is Temporal's)` : `unknown signal "${shown}"`;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        for (const job of input.activation.jobs ?? []) {
          const signal = job.signalWorkflow;
          if (signal?.signalName?.startsWith(RESERVED_PREFIX)) signal.signalName = `${RENAMED_PREFIX}${signal.signalName}`;
        }
        next(input);
      },
    },
  ],
});
