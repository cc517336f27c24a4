/**
 * `flagops status <workflowId>`: the current state of a rollback (plan, approvals and refusals,
 * per-environment results, what it waits for), or `--json` for the one status shape.
 *
 * Its definition (options, help) is `../commands/status.ts`; this body is loaded only when it runs.
 */
import { ExitCode } from '../action.js';
import { approvalInstructions, renderAttention, renderPlan, renderSummary } from '../render.js';
import { cliIdentity, osUser, pinCurrentRun, withTemporal } from '../temporal.js';
import { observe } from '../watch.js';

export interface StatusOptions {
  json?: boolean;
}

export async function status(given: string, options: StatusOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return withTemporal(env, cliIdentity(osUser()), async ({ client, runtime, settings }) => {
    const { workflowId, handle, description } = await pinCurrentRun(client, runtime.idPrefix, given);
    const observation = await observe(client, handle, undefined, description);
    const current = observation.status;
    if (!current) {
      process.stderr.write(`flagops: no status for ${workflowId}: ${observation.problem ?? 'unknown reason'}\n`);
      return ExitCode.Unsuccessful;
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(current, null, 2)}\n`);
      return ExitCode.Ok;
    }
    const parts = [`${workflowId} (run ${current.runId}): ${current.status}, step ${current.step}, started ${current.startedAt}`];
    if (observation.problem) parts.push(`note: ${observation.problem}`);
    parts.push('', renderPlan(current));
    if (current.status === 'awaiting_approval') parts.push('', ...approvalInstructions(current, { namespace: settings.namespace }));
    parts.push('', renderSummary(current));
    if (current.attention) parts.push('', renderAttention(current));
    process.stdout.write(`${parts.join('\n')}\n`);
    return ExitCode.Ok;
  });
}
