/**
 * The rollback's post-approval path (`npm run bench:rollback -- --runs N --latency L`): the sandbox
 * adds L ms to every request, the cache wait is 0, and each run is timed from the moment the
 * approval Update is sent (the path starts there for the approver: its acceptance is recorded
 * only when the workflow task that took it completes) to (a) both environments published and (b)
 * both verified, from the workflow's own history (server timestamps; the client runs on the same
 * machine). In the same run, the runbook's way as a baseline:
 * seed 002's calls, one after the other, by a plain script with the same client (per environment
 * GET featurestates, GET features, POST version with `publish_immediately`, GET featurestates).
 *
 * Critical round trips are counted from the sandbox's request log: with both environments in
 * parallel, the requests of one round arrive together and the next round at least L later, so the
 * rounds are the clusters of arrival times. `ratio = flagops time ÷ (critical round trips × L)`.
 * Prints one line: `critical_round_trips=N ratio=R flagops_ms=F runbook_ms=B` (medians).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseConfig } from '../src/config/load.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { startDevServer } from '../src/devtools/dev-server.js';
import { seed002, seed002FlagsmithConfig } from '../src/devtools/seed-002.js';
import { FlagsmithClient, environmentDefaultUpdate, toFeatureStateValue } from '../src/flagsmith/index.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { startRollback } from '../src/rollback/start.js';
import type { ServedRequest } from '../src/sandbox/http/faults.js';
import { createFlagopsWorker } from '../src/worker.js';
import { approveUpdate, statusQuery } from '../workflows/rollback/messages.js';
import { spawnSandbox } from './sandbox-process.js';
import { percentile } from './util.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '10' }, latency: { type: 'string', default: '50' } } });
const runs = Number(args.runs);
const latency = Number(args.latency);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${args.runs}`);
if (!Number.isInteger(latency) || latency < 0 || latency > 5_000) throw new Error(`--latency must be whole milliseconds from 0 to 5000, got ${args.latency}`);

const FLAG = seed002.flag;
const TOKEN = 'bench-admin-token';

/** Server time of history events, in ms. */
function eventMs(event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }): number {
  return Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
}

/** From the approval (sent) to the last publish and the last verification, from history. */
async function phases(handle: WorkflowHandle, sentAt: number): Promise<{ accepted: number; published: number; verified: number; dispatches: number; timeline: string[] }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) scheduled.set(String(e.eventId), name);
  }
  const completedOf = (name: string) =>
    events.filter((e) => e.activityTaskCompletedEventAttributes && scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) === name).map(eventMs);
  const accepted = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  if (!accepted) throw new Error('no accepted Update in the history');
  // From the moment the approval was sent: its acceptance is recorded only when the workflow task
  // that took it completes.
  const from = Math.min(sentAt, eventMs(accepted));
  const verified = Math.max(...completedOf('verifyEnvironment'));
  const between = events.filter((e) => eventMs(e) >= from && eventMs(e) <= verified);
  // Each activity task and workflow task is one dispatch through the server to the worker.
  const dispatches = between.filter((e) => e.activityTaskScheduledEventAttributes || e.workflowTaskScheduledEventAttributes).length;
  const timeline = between.map((e) => {
    const kind = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]) ?? 'event';
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
    return `+${Math.round(eventMs(e) - from)}ms ${kind.replace('EventAttributes', '')} ${activity}`.trimEnd();
  });
  return { accepted: from, published: Math.max(...completedOf('publishEnvironment')), verified, dispatches, timeline };
}

/** Rounds of requests between two times: arrivals at least 0.6·L apart start a new round. */
function rounds(log: readonly ServedRequest[], from: number, to: number): number {
  const arrivals = log.map((r) => Date.parse(r.at)).filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  let count = 0;
  let roundStart = -Infinity;
  for (const t of arrivals) {
    if (t - roundStart >= latency * 0.6) {
      count += 1;
      roundStart = t;
    }
  }
  return count;
}

Runtime.install({ logger: new DefaultLogger('ERROR') });
const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const runId = newRunId('bench');
const server = await startDevServer();
await createTemplates(adminUrl, runId);
const sandboxDb = await cloneDatabase(adminUrl, runId, 'sandbox');
const sandbox = await spawnSandbox({ databaseUrl: sandboxDb.url, token: TOKEN, seed: 'examples/sandbox-seed.yaml' });
const flagsmith = new FlagsmithClient({ apiUrl: sandbox.url, adminToken: `Token ${TOKEN}` });
const connection = await NativeConnection.connect({ address: server.address });
const clientConnection = await Connection.connect({ address: server.address });
const client = new Client({ connection: clientConnection });
const taskQueue = `bench-rollback-${runId}`;
const config = parseConfig(
  { flagsmith: seed002FlagsmithConfig(sandbox.url), approval: { approvers: ['sd@example.com'], distinctFromRequester: true }, rollback: { cacheWait: '0s', verifyTimeout: '30s' } },
  'bench',
  {},
);
const worker = await createFlagopsWorker({
  connection,
  namespace: 'default',
  taskQueue,
  deps: { config, log: createLogger('silent'), metrics: createMetrics(), secrets: { serverKeys: {} }, flagsmith },
});

const flagops = { published: [] as number[], verified: [] as number[], rounds: [] as number[], dispatches: [] as number[], timeline: [] as string[] };
const runbook: number[] = [];
try {
  const feature = await flagsmith.findFeatureByName(seed002.projectId, FLAG);
  if (!feature) throw new Error(`the seed has no ${FLAG}`);
  const setOn = async () => {
    for (const env of seed002.environments) {
      const version = await flagsmith.createVersion(env.id, feature.id, { feature_states_to_update: [environmentDefaultUpdate(true, toFeatureStateValue(null, 'unicode'))], description: 'bench setup' });
      await flagsmith.publishVersion(env.id, feature.id, version.uuid);
    }
  };
  if (latency > 0) await sandbox.addFault({ method: '*', pathRegex: '^/api/v1/', latencyMs: latency, count: 1_000_000_000 });
  await worker.runUntil(async () => {
    for (let run = 0; run < runs; run++) {
      await setOn();
      const handle = await startRollback(client, { taskQueue, idPrefix: `${runId}-`, input: { flag: FLAG, requestedBy: 'ic@example.com', reason: 'bench', cacheWaitMs: 0, verifyIntervalMs: 200 } });
      for (;;) {
        const status = await handle.query(statusQuery).catch(() => null);
        if (status?.status === 'awaiting_approval') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const sentAt = Date.now();
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'sd@example.com' }] });
      const result = await handle.result();
      if (result.status !== 'completed') throw new Error(`run ${run} ended ${result.status}`);
      const t = await phases(handle, sentAt);
      flagops.published.push(t.published - t.accepted);
      flagops.verified.push(t.verified - t.accepted);
      flagops.rounds.push(rounds(await sandbox.requests(), t.accepted, t.verified));
      flagops.dispatches.push(t.dispatches);
      flagops.timeline = t.timeline;

      // The runbook's way, one call after the other, with the same client.
      await setOn();
      const started = performance.now();
      for (const env of seed002.environments) {
        await flagsmith.getEnvironmentDefaultFeatureState(env.apiKey, FLAG);
        await flagsmith.findFeatureByName(seed002.projectId, FLAG);
        await flagsmith.createVersion(env.id, feature.id, {
          feature_states_to_update: [environmentDefaultUpdate(false, toFeatureStateValue(null, 'unicode'))],
          publish_immediately: true,
          description: 'runbook baseline',
        });
        await flagsmith.getEnvironmentDefaultFeatureState(env.apiKey, FLAG);
      }
      runbook.push(performance.now() - started);
    }
  });
} finally {
  await flagsmith.close();
  await sandbox.close();
  await clientConnection.close();
  await connection.close();
  await server.stop();
  await dropRunDatabases(adminUrl, runId);
}
const median = (values: number[]) => percentile(values, 50) ?? NaN;
const critical = median(flagops.rounds);
const flagopsMs = median(flagops.verified);
console.log(`the last run, from the approval being sent:\n  ${flagops.timeline.join('\n  ')}`);
console.log(`runs=${runs} latency=${latency}ms approve→published median=${Math.round(median(flagops.published))}ms approve→verified median=${Math.round(flagopsMs)}ms p95=${Math.round(percentile(flagops.verified, 95) ?? NaN)}ms dispatches=${median(flagops.dispatches)}`);
console.log(`rerun: npm run bench:rollback -- --runs ${runs} --latency ${latency}`);
console.log(
  `critical_round_trips=${critical} ratio=${latency > 0 ? (flagopsMs / (critical * latency)).toFixed(2) : 'n/a'} flagops_ms=${Math.round(flagopsMs)} runbook_ms=${Math.round(median(runbook))}`,
);
process.exit(0);
