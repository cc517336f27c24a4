/**
 * The demo's story, told against a running {@link DemoStack}: seed 002's incident commander asks
 * for the rollback, the plan is shown, a distinct approver approves it after a visible pause, and
 * the run publishes, waits out the (shortened) cache, verifies both views, counts the cohort and
 * summarises. Then a flag changes and the document sync writes the new environment document.
 */
import type { Client } from '@temporalio/client';
import { runtimeSettings, temporalSettings } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { startRollback } from '../rollback/start.js';
import { connectClient } from '../temporal/connection.js';
import { approveUpdate, type RollbackStatus } from '../../workflows/rollback/messages.js';
import { ProgressPrinter, isCountdownLine, renderSummary } from '../cli/render.js';
import { parseRollbackOptions } from '../cli/rollback-options.js';
import type { Terminal } from '../cli/terminal.js';
import { newRequestId, sendVerdict } from '../cli/verdict.js';
import { follow, type RollbackHandle, type RollbackWorkflow } from '../cli/watch.js';
import { DEMO_CACHE_WAIT, type DemoStack } from './stack.js';
import { showDocumentSync } from './sync-scene.js';

const FLAG = 'auto_invoke_matcher_on_intake_complete';
const REQUESTER = 'ic@example.com';
const APPROVER = 'sd@example.com';

export interface StoryOptions {
  /** How long the approver "reads" the plan before approving. Default 3 s. */
  approvalPauseMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The live line while a step runs, or null when nothing is counting down. */
function liveText(status: RollbackStatus, now: number): string | null {
  if (status.status === 'waiting_for_caches' && status.timers.cacheWaitUntil) {
    const left = Math.max(0, Math.ceil((Date.parse(status.timers.cacheWaitUntil) - now) / 1000));
    return `  waiting for SDK caches: ${left} s left (shortened to ${DEMO_CACHE_WAIT} for this demo; the default is 60 s)`;
  }
  if (status.status === 'verifying') {
    const views = status.environments.map((e) => `${e.name} admin ${e.adminView?.ok ? 'ok' : '…'} SDK ${e.sdkView?.ok ? 'ok' : '…'}`);
    return `  verifying what Flagsmith serves: ${views.join(' · ')}`;
  }
  if (status.status === 'publishing') return `  publishing a new version in ${status.environments.map((e) => e.name).join(' and ')}…`;
  return null;
}

/** Whether this story has said that the cache wait is shortened (once per story). */
let saidShortened = false;


async function followRun(client: Client, term: Terminal, handle: RollbackHandle, printer: ProgressPrinter, until?: (s: RollbackStatus) => boolean) {
  return follow(client, handle, {
    intervalMs: 250,
    ...(until ? { until } : {}),
    onStatus: (status) => {
      if (status.status === 'waiting_for_caches' && !saidShortened) {
        saidShortened = true;
        term.line(term.style('yellow', `  (the SDK-cache wait is shortened to ${DEMO_CACHE_WAIT} for this demo; the default is 60 s, the cache TTL SDKs use)`));
      }
      for (const line of printer.update(status)) {
        if (term.inPlace && isCountdownLine(line)) continue;
        term.line(colourLine(term, line));
      }
      const live = liveText(status, Date.now());
      if (live && term.inPlace) term.live(term.style('dim', live));
    },
    onProblem: (problem) => term.line(term.style('yellow', `  (${problem})`)),
  });
}

function colourLine(term: Terminal, line: string): string {
  if (/^\[\d\d:\d\d:\d\dZ\]/.test(line)) return term.style('bold', line);
  if (/ ok\b| accepted | published/.test(line)) return line.replace(/\bok\b|accepted|published/g, (word) => term.style('green', word));
  if (/NEEDS ATTENTION|refused|failed/i.test(line)) return term.style('red', line);
  return line;
}

/** Tell the story; resolves to the exit code (0 when the rollback completed and the document was written). */
export async function tellStory(stack: DemoStack, term: Terminal, options: StoryOptions = {}): Promise<number> {
  saidShortened = false;
  const heading = (text: string) => term.line(`\n${term.style('bold', term.style('cyan', `▸ ${text}`))}`);
  const config = loadConfig({ FLAGOPS_CONFIG: stack.configPath });
  const runtime = runtimeSettings(stack.env);
  const client = await connectClient(temporalSettings(stack.env), `flagops-demo@${REQUESTER}`);
  try {
    heading(`The incident commander (${REQUESTER}) asks to roll back ${FLAG}`);
    term.line(term.style('dim', `  as: flagops rollback ${FLAG} --reason "matcher cards without EHR" --incident INC-DEMO-1 --as ${REQUESTER}`));
    const request = parseRollbackOptions(FLAG, { reason: 'matcher cards without EHR (seed 002)', incident: 'INC-DEMO-1', as: REQUESTER }, config, REQUESTER);
    const started = await startRollback(client, { taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix, input: request.input });
    const handle = client.workflow.getHandle<RollbackWorkflow>(started.workflowId, started.firstExecutionRunId);
    const printer = new ProgressPrinter({ namespace: 'default', approverHint: APPROVER });

    heading('flagops plans it: every environment, before → after, with a hash the approver approves');
    const planned = await followRun(client, term, handle, printer, (s) => s.status !== 'planning');
    const plan = planned.status?.plan;
    if (planned.status?.status !== 'awaiting_approval' || !plan) {
      term.line(term.style('red', `  the plan did not come: ${planned.problem ?? planned.status?.status ?? 'no status'}`));
      return 1;
    }

    heading(`A second person (${APPROVER}) reads the plan and approves it (four-eyes)`);
    const pauseMs = options.approvalPauseMs ?? 3_000;
    for (let left = Math.ceil(pauseMs / 1000); left > 0; left--) {
      term.live(term.style('dim', `  ${APPROVER} is reading the plan… ${left}`), left === Math.ceil(pauseMs / 1000) ? `  ${APPROVER} is reading the plan (${left} s)…` : undefined);
      await sleep(Math.min(1_000, pauseMs));
    }
    term.line(term.style('dim', `  as: flagops approve ${started.workflowId} --as ${APPROVER} --plan-hash ${plan.planHash}`));
    const verdict = await sendVerdict(client, handle, approveUpdate, { by: APPROVER, planHash: plan.planHash, requestId: newRequestId(), comment: 'plan read; go' });
    if (verdict.verdict !== 'accepted') {
      term.line(term.style('red', `  approval ${verdict.verdict}: ${verdict.reason ?? ''}`));
      return 1;
    }
    term.line(`  the workflow answered: approval ${term.style('green', 'accepted')} (the Update returns the verdict)`);

    heading('Publish in every environment, wait out the SDK cache on a durable timer, verify both views');
    const ended = await followRun(client, term, handle, printer);
    term.clearLive();
    const final = ended.status;
    if (!final) {
      term.line(term.style('red', `  no final status: ${ended.problem ?? 'unknown'}`));
      return 1;
    }
    heading('Summary');
    term.line(colourLine(term, renderSummary(final)));
    if (final.cohort?.count !== null && final.cohort?.count !== undefined) {
      term.line(`  ${term.style('bold', String(final.cohort.count))} cases in the cohort (matched while the flag was on, no EHR yet): ${final.cohort.ids.join(', ')}`);
    }

    heading('Meanwhile a flag changes; the document sync writes the new environment document');
    const written = await showDocumentSync(stack, config, term);

    heading('Audit it in the Temporal UI');
    term.line(`  ${term.style('cyan', `${stack.uiUrl}/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}/${started.firstExecutionRunId}/history`)}`);
    term.line(`  every step there reads as a sentence; the worker's log is ${stack.logPath}`);
    return final.status === 'completed' && written ? 0 : 1;
  } finally {
    await client.connection.close();
  }
}
