/**
 * `flagops approve <workflowId>`: show the plan of the current run, confirm, send `approve` with a
 * fresh requestId and the plan hash that was shown, and report the workflow's verdict (SPEC §6).
 *
 * Its definition (options, help) is `../commands/approve.ts`; this body is loaded only when it runs.
 */
import { createInterface } from 'node:readline/promises';
import { durationOption } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { approveUpdate, finalStatuses } from '../../../workflows/rollback/messages.js';
import { ExitCode } from '../action.js';
import { renderPlan } from '../render.js';
import { cliIdentity, pinCurrentRun, withTemporal } from '../temporal.js';
import { newRequestId, reportVerdict, sendVerdict } from '../verdict.js';
import { follow } from '../watch.js';

export interface ApproveOptions {
  as: string;
  comment?: string;
  planHash?: string;
  yes?: boolean;
  waitForPlan: string;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^(y|yes)$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function approve(given: string, options: ApproveOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (!interactive && !options.yes && options.planHash === undefined) {
    throw new ConfigError('approve: no terminal to confirm on: pass --yes (approve the plan shown) or --plan-hash <hash> (approve only that plan)');
  }
  const waitMs = durationOption('--wait-for-plan', options.waitForPlan);
  return withTemporal(env, cliIdentity(options.as), async ({ client, runtime }) => {
    const { workflowId, runId, handle } = await pinCurrentRun(client, runtime.idPrefix, given);
    const waited = await follow(client, handle, {
      timeoutMs: waitMs,
      until: (s) => (s.plan !== null && s.status !== 'planning') || finalStatuses.includes(s.status),
    });
    const status = waited.status;
    if (!status?.plan || status.status === 'planning') {
      process.stderr.write(`flagops: ${workflowId} has no plan after ${options.waitForPlan}${waited.problem ? `: ${waited.problem}` : ''}\n`);
      return ExitCode.Unsuccessful;
    }
    if (status.status !== 'awaiting_approval') {
      process.stderr.write(`flagops: nothing to approve: ${workflowId} (run ${runId}) is ${status.status}; not sent\n`);
      return ExitCode.Unsuccessful;
    }
    process.stdout.write(`${renderPlan(status)}\n\n`);
    const planHash = options.planHash ?? status.plan.planHash;
    if (options.planHash !== undefined && options.planHash !== status.plan.planHash) {
      process.stdout.write(`note: --plan-hash ${options.planHash} is not the plan shown (${status.plan.planHash}); the workflow will refuse it\n`);
    }
    if (interactive && !options.yes && options.planHash === undefined && !(await confirm(`Approve this plan as ${options.as}? [y/N] `))) {
      process.stdout.write('Not approved.\n');
      return ExitCode.Unsuccessful;
    }
    const payload = { by: options.as, planHash, requestId: newRequestId(), ...(options.comment ? { comment: options.comment } : {}) };
    const result = await sendVerdict(client, handle, approveUpdate, payload);
    const accepted = reportVerdict('approval', workflowId, result);
    if (accepted) process.stdout.write(`  follow it: flagops status ${workflowId}\n`);
    return accepted ? ExitCode.Ok : ExitCode.Unsuccessful;
  });
}
