/**
 * `flagops status <workflowId>`: the current state of a rollback (plan, approvals and refusals,
 * per-environment results, what it waits for), or `--json` for the one status shape.
 */
import type { Command } from 'commander';
import { ExitCode, action } from '../action.js';
import { approvalInstructions, renderAttention, renderPlan, renderSummary } from '../render.js';
import { cliIdentity, osUser, pinCurrentRun, withTemporal } from '../temporal.js';
import { observe } from '../watch.js';

interface StatusOptions {
  json?: boolean;
}

/** Register `flagops status`. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("Show a rollback's status: plan, approvals, refusals, per-environment results")
    .argument('<workflowId>', 'the rollback workflow id (or the flag name)')
    .option('--json', 'print one JSON document (the shape of `flagops rollback --json`)')
    .addHelpText(
      'after',
      `
Shows the latest run of the id. A running rollback is asked through the \`status\` query (a worker
must be polling); a completed one is read from its result.
Exit codes: 0 shown (whatever the rollback's own status); 1 no status could be read; 2 a usage
error. Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FLAGOPS_ID_PREFIX.`,
    )
    .action(action((id: string, options: StatusOptions) => status(id, options, process.env)));
}

async function status(given: string, options: StatusOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return withTemporal(env, cliIdentity(osUser()), async ({ client, runtime, settings }) => {
    const { workflowId, handle } = await pinCurrentRun(client, runtime.idPrefix, given);
    const observation = await observe(client, handle);
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
