/**
 * The fault matrix (`npm run suite:faults`): every Flagsmith call the rollback and the document
 * sync make, against each fault a real Flagsmith or the network between can produce — 500, 502,
 * 503, 429 with Retry-After, a stall past the client's timeout, a connection reset, a 200 with a
 * wrong-shaped body, and an answer lost after the server acted — for the next 2 requests and for
 * all of them. Each cell must end one of three ways:
 *   C  completed, exactly one version published per environment;
 *   A  needs_attention, then resolved by an approver (the faults cleared first);
 *   F  failed, with a message naming the call and Flagsmith's answer.
 * A bad cell (X) is a duplicate publish, a hung workflow, a failed workflow task, or an environment
 * flipped silently. Prints the table and `fault-matrix: cells=N bad=B`.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { FlagsmithClient } from '../../src/flagsmith/index.js';
import { workflowIds } from '../../src/ids.js';
import { startRollback } from '../../src/rollback/start.js';
import type { FaultRuleInput } from '../../src/sandbox/http/faults.js';
import { resolveSignal, approveSignal, statusQuery, type RollbackStatus } from '../../workflows/rollback/messages.js';
import { createEnvironment, syncFixture, syncInput, waitForStatus as waitForSync, wake } from '../helpers/document-sync.js';
import { APPROVER, ENV_IDS, FLAG, TOKEN, rollbackFixture, testInput } from '../helpers/rollback.js';
import { runWithWorker } from '../helpers/temporal.js';

const fx = await rollbackFixture();
const sync = await syncFixture();
const KEYS = { Production: 'X4CdBvak98wpn6Ljq7eUSs', Development: 'SCE375zGzViFpGZhWoiK7D' };
/** `FAULT_MATRIX_ONLY=rollback|sync` runs one half (the whole matrix takes about a quarter of an hour). */
const only = process.env.FAULT_MATRIX_ONLY;
/** `FAULT_MATRIX_CALL="GET environment"` runs the rollback rows of that call only. */
const onlyCall = process.env.FAULT_MATRIX_CALL;

/** A call, and when its fault goes in: before the run (plan calls) or once the plan waits for approval. */
interface Call {
  name: string;
  method: string;
  path: string;
  phase: 'plan' | 'approved';
}

const calls: Call[] = [
  { name: 'GET environment', method: 'GET', path: `/api/v1/environments/${KEYS.Development}/`, phase: 'plan' },
  { name: 'GET project features', method: 'GET', path: '/api/v1/projects/36214/features/', phase: 'plan' },
  { name: 'GET version featurestates', method: 'GET', path: `/api/v1/environments/${ENV_IDS.Production}/features/*/versions/*/featurestates/`, phase: 'plan' },
  { name: 'GET featurestates', method: 'GET', path: `/api/v1/environments/${KEYS.Development}/featurestates/`, phase: 'approved' },
  { name: 'GET versions', method: 'GET', path: `/api/v1/environments/${ENV_IDS.Development}/features/*/versions/`, phase: 'approved' },
  { name: 'POST version', method: 'POST', path: `/api/v1/environments/${ENV_IDS.Development}/features/*/versions/`, phase: 'approved' },
  { name: 'POST publish', method: 'POST', path: `/api/v1/environments/${ENV_IDS.Development}/features/*/versions/*/publish/`, phase: 'approved' },
  { name: 'GET SDK flags', method: 'GET', path: '/api/v1/flags/', phase: 'approved' },
];

const faults: [string, Omit<FaultRuleInput, 'method' | 'path' | 'count'>][] = [
  ['500', { status: 500 }],
  ['502', { status: 502 }],
  ['503', { status: 503 }],
  ['429', { status: 429, retryAfter: 1 }],
  ['stall', { latencyMs: 1_600 }],
  ['reset', { reset: true }],
  ['bad body', { status: 200, body: { unexpected: ['shape'] } }],
  ['lost answer', { dropAnswer: true }],
];
const modes: [string, number][] = [
  ['next 2', 2],
  ['all', 100_000],
];

type Verdict = { code: 'C' | 'A' | 'F' | 'X'; note: string };

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** Terminate the rollback of FLAG under `idPrefix` if one still runs (after a bad cell). */
async function terminateRunning(client: Client, idPrefix: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowIds.rollback(idPrefix, FLAG));
  if ((await handle.describe().catch(() => null))?.status.name === 'RUNNING') await handle.terminate('fault matrix: a bad cell left it running');
}

/** The workflow tasks that failed, each as its cause and message (empty when none did). */
async function taskFailures(handle: WorkflowHandle): Promise<string[]> {
  return ((await handle.fetchHistory()).events ?? [])
    .map((e) => e.workflowTaskFailedEventAttributes)
    .filter((f) => f !== undefined && f !== null)
    .map((f) => `${String(f.cause)}: ${f.failure?.message ?? ''}`.slice(0, 300));
}

/** The call (method and URL or endpoint) and what came back, as the HTTP client and the schema check word it. */
const namesTheCall = /Flagsmith (GET|POST|DELETE|PATCH) (http\S+|[a-z{][\w{}/]*\/)(:| answered)/;

async function rollbackCell(client: Client, taskQueue: string, idPrefix: string, call: Call, fault: FaultRuleInput): Promise<Verdict> {
  fx.sandbox.faults.clear();
  await fx.setFlag(FLAG, true);
  const since = new Date();
  const rule = { ...fault, method: call.method, path: call.path };
  if (call.phase === 'plan') fx.sandbox.faults.add(rule);
  const input = testInput({
    cacheWaitMs: 0,
    verifyTimeoutMs: 3_000,
    verifyIntervalMs: 300,
    activityTimeouts: { startToCloseMs: 3_000, heartbeatMs: 1_500, scheduleToCloseMs: 5_000 },
  });
  const handle = await startRollback(client, { taskQueue, idPrefix, input });
  const ended = async (): Promise<{ status: RollbackStatus | null; failure: string | null }> => {
    try {
      return { status: await handle.result(), failure: null };
    } catch (error) {
      return { status: null, failure: error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : String(error) };
    }
  };
  const settledOrWaiting = (s: RollbackStatus) => s.status === 'awaiting_approval' || s.status === 'needs_attention' || s.outcome !== null;
  const planned = await until(() => handle.query(statusQuery), settledOrWaiting, 60_000);
  if (!planned) return { code: 'X', note: 'hung before approval' };
  if (planned.status === 'awaiting_approval') {
    if (call.phase === 'approved') fx.sandbox.faults.add(rule);
    await handle.signal(approveSignal, { by: APPROVER });
  }
  let resolved = false;
  for (let round = 0; round < 3; round++) {
    const state = await until(() => handle.query(statusQuery), (s) => s.status === 'needs_attention' || s.outcome !== null, 90_000);
    if (!state) {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') break;
      return { code: 'X', note: `hung in ${(await handle.query(statusQuery).catch(() => null))?.status ?? '?'}` };
    }
    if (state.status !== 'needs_attention') break;
    // The incident is over: the faults go, and an approver decides.
    fx.sandbox.faults.clear();
    const action = state.attention?.actions.includes('retry') ? 'retry' : 'accept';
    await handle.signal(resolveSignal, { by: APPROVER, action });
    resolved = true;
  }
  const { status, failure } = await ended();
  fx.sandbox.faults.clear();
  const failedTasks = await taskFailures(handle);
  if (failedTasks.length > 0) return { code: 'X', note: `a workflow task failed (${failedTasks.join('; ')})` };
  const ours = (await fx.versionsSince(since)).filter((v) => v.description?.startsWith(`flagops:${handle.workflowId}:`));
  const published = (env: number, op = ':forward') => ours.filter((v) => v.published && v.environment_id === env && (v.description ?? '').endsWith(op)).length;
  for (const env of [ENV_IDS.Production, ENV_IDS.Development]) {
    if (published(env) > 1) return { code: 'X', note: `duplicate publish in ${env}` };
  }
  const served = await Promise.all(Object.values(KEYS).map(async (key) => (await fx.flagsmith.getEnvironmentDefaultFeatureState(key, FLAG))?.enabled));
  if (failure !== null) {
    if (served.some((enabled) => enabled === false)) return { code: 'X', note: `failed with a flag flipped: ${failure}` };
    return namesTheCall.test(failure) ? { code: 'F', note: failure } : { code: 'X', note: `failure does not name the call: ${failure}` };
  }
  if (!status) return { code: 'X', note: 'no result' };
  if (status.status === 'completed') {
    if (served.some((enabled) => enabled !== false)) return { code: 'X', note: 'completed, but an environment still serves ON' };
    const versions = [ENV_IDS.Production, ENV_IDS.Development].map((env) => ours.filter((v) => v.published && v.environment_id === env).length);
    if (versions.some((n) => n !== 1)) return { code: 'X', note: `completed with versions per environment ${versions.join('/')}` };
    return { code: resolved ? 'A' : 'C', note: 'completed' };
  }
  // Any other ending must say what each environment serves; mixes never end completed.
  const mixed = new Set(served).size > 1;
  if (mixed && status.status !== 'needs_attention') return { code: 'X', note: `${status.status} with environments differing` };
  if (status.status === 'failed' && !namesTheCall.test(status.outcome?.detail ?? '') && !/reverted|before-state/.test(status.outcome?.detail ?? '')) {
    return { code: 'X', note: `failed without naming the call: ${status.outcome?.detail ?? ''}` };
  }
  return { code: resolved ? 'A' : 'F', note: `${status.status}: ${status.outcome?.detail ?? ''}` };
}

function table(rows: { call: string; cells: Verdict[] }[]): string {
  const header = ['call', ...modes.flatMap(([mode]) => faults.map(([fault]) => `${fault}/${mode}`))];
  const lines = [header.join(' | '), header.map(() => '---').join(' | ')];
  for (const row of rows) lines.push([row.call, ...row.cells.map((c) => c.code)].join(' | '));
  return lines.join('\n');
}

describe('the fault matrix', () => {
  it('every call × every fault × next 2 / all: no bad cell', async () => {
    const rows: { call: string; cells: Verdict[] }[] = [];
    const notes: string[] = [];
    // A client that gives up after 1 s, so a stall is a stall past the client's timeout.
    const impatient = new FlagsmithClient({ apiUrl: fx.sandbox.url, adminToken: `Token ${TOKEN}`, timeoutMs: 1_000 });
    try {
      await runWithWorker({ deps: fx.deps({ flagsmith: impatient }) }, async ({ client, taskQueue, idPrefix }) => {
        for (const call of only === 'sync' ? [] : calls.filter((c) => !onlyCall || c.name === onlyCall)) {
          const cells: Verdict[] = [];
          for (const [mode, count] of modes) {
            for (const [name, fault] of faults) {
              const verdict = await rollbackCell(client, taskQueue, idPrefix, call, { ...fault, count, method: call.method, path: call.path });
              // A bad cell may leave its run behind: end it, so the next cell can start a rollback of the flag.
              if (verdict.code === 'X') await terminateRunning(client, idPrefix);
              cells.push(verdict);
              if (verdict.code === 'X') notes.push(`BAD ${call.name} / ${name} / ${mode}: ${verdict.note}`);
            }
          }
          rows.push({ call: `rollback: ${call.name}`, cells });
        }
      });
    } finally {
      await impatient.close();
    }

    // The document sync's Flagsmith call: the environment document.
    const syncCells: Verdict[] = [];
    const { deps } = sync.deps({ maxAttempts: 2, backoffBase: '100ms' });
    const syncImpatient = new FlagsmithClient({ apiUrl: sync.sandbox.url, adminToken: `Token ${sync.sandbox.token}`, timeoutMs: 1_000 });
    try {
      await runWithWorker({ deps: { ...deps, flagsmith: syncImpatient } }, async (ctx) => {
        for (const [mode, count] of only === 'rollback' ? [] : modes) {
          for (const [name, fault] of faults) {
            sync.sandbox.faults.clear();
            // A project of its own per cell, so each document is complete once it can be read.
            const env = await createEnvironment(sync.flagsmithDb.db, { features: 1 });
            sync.sandbox.faults.add({ ...fault, count, method: 'GET', path: `/api/v1/environments/${env.apiKey}/document/` });
            const id = await wake(ctx, syncInput(env.id, { maxAttempts: 2, backoffBaseMs: 100, activityTimeoutMs: 3_000 }));
            const first = await waitForSync(ctx.client, id, (s) => s.state.passes >= 1, 90_000).catch(() => undefined);
            sync.sandbox.faults.clear();
            let verdict: Verdict;
            if (!first) verdict = { code: 'X', note: 'hung' };
            else {
              const pass = first.state.recentPasses[0];
              if (pass?.outcome === 'written') verdict = { code: 'C', note: 'written' };
              else if (pass?.outcome === 'failed' && namesTheCall.test(pass.detail ?? '')) {
                // The incident is over: the next wake writes it.
                await wake(ctx, syncInput(env.id), { source: 'cli' });
                const next = await waitForSync(ctx.client, id, (s) => s.state.recentPasses.some((p) => p.outcome === 'written'), 60_000).catch(() => undefined);
                verdict = next ? { code: 'F', note: pass.detail ?? '' } : { code: 'X', note: 'never written after the faults cleared' };
              } else verdict = { code: 'X', note: `pass ${pass?.outcome ?? '?'}: ${pass?.detail ?? ''}` };
            }
            const stored = await sync.store.info(env.apiKey);
            if (stored && stored.featureStatesCount !== 1) verdict = { code: 'X', note: 'a partial document was written' };
            syncCells.push(verdict);
            if (verdict.code === 'X') notes.push(`BAD sync document / ${name} / ${mode}: ${verdict.note}`);
            await ctx.client.workflow.getHandle(id).terminate('fault matrix cell done');
          }
        }
      });
    } finally {
      await syncImpatient.close();
    }
    rows.push({ call: 'sync: GET document', cells: syncCells });

    const cells = rows.flatMap((r) => r.cells);
    const bad = cells.filter((c) => c.code === 'X').length;
    console.log(`${table(rows)}\n\nC completed · A needs_attention, then resolved · F failed naming the call · X bad\n${notes.join('\n')}`);
    console.log(`fault-matrix: cells=${cells.length} bad=${bad}`);
    expect(notes).toEqual([]);
  });
});
