/**
 * Many rollbacks at once on one worker (`npm run bench:scale -- --rollbacks 200`). The sandbox
 * (its own process) is seeded with that many distinct flags, ON in both environments; one
 * `flagops worker` process runs every rollback (cache wait 0), and the script approves each one as
 * soon as its plan is shown. Reported: wall time, rollbacks per second, p50/p95 approve→completed
 * (from each history: the Update's acceptance to the run's completion), the worker's peak RSS
 * (VmHWM), failures, and the published flagops versions per flag and environment (exactly one
 * each; any more is a duplicate publish).
 *
 * Then the same with the sandbox throttling the Admin API like Flagsmith SaaS (`--rate`, 500
 * requests a minute) and the worker pacing itself to that budget (`flagsmith.requestsPerMinute`):
 * the 429s the sandbox answered are counted. That phase runs `--throttled-rollbacks` rollbacks
 * (default 40), since at 500 requests a minute 200 rollbacks take about ten minutes.
 *
 * The worker runs with the memory budget the README recommends (`--worker-node-options`; pass ''
 * for Node's defaults, whose heap limit follows the machine's memory and lets the heap grow lazily).
 *
 * Ends with `rollbacks=N failures=F rss_mb=M duplicate_publishes=D`, over both phases.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { stringify } from 'yaml';
import { Database } from '../src/db/sql.js';
import { cloneDatabase, createTemplates, dropRunDatabases, newRunId } from '../src/devtools/databases.js';
import { startDevServer, type DevServer } from '../src/devtools/dev-server.js';
import { seed002, seed002FlagsmithConfig } from '../src/devtools/seed-002.js';
import { projectDir } from '../src/paths.js';
import { startRollback } from '../src/rollback/start.js';
import { approveUpdate, type RollbackStatus } from '../workflows/rollback/messages.js';
import { spawnSandbox } from './sandbox-process.js';
import { percentile, pool } from './util.js';

const { values: args } = parseArgs({
  options: {
    rollbacks: { type: 'string', default: '200' },
    'throttled-rollbacks': { type: 'string', default: '40' },
    rate: { type: 'string', default: '500' },
    // The worker's memory budget as README ("The worker's memory") and the Dockerfile set it; '' for Node's defaults.
    'worker-node-options': { type: 'string', default: '--max-old-space-size=192 --max-semi-space-size=4' },
  },
});
const workerNodeOptions = args['worker-node-options'];
const whole = (name: string, text: string | undefined, max: number): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`--${name} must be a whole number from 0 to ${max}, got ${text}`);
  return value;
};
const rollbacks = whole('rollbacks', args.rollbacks, 2_000);
const throttledRollbacks = whole('throttled-rollbacks', args['throttled-rollbacks'], 2_000);
const rate = whole('rate', args.rate, 100_000);

const TOKEN = 'bench-scale-token';
const APPROVER = 'sd@example.com';

interface PhaseResult {
  name: string;
  rollbacks: number;
  wallMs: number;
  approveToCompleted: number[];
  failures: string[];
  rssMb: number;
  idleRssMb: number;
  workflowCode: string;
  duplicates: number;
  missing: number;
  throttled: number;
  paced: string;
}

/** Seed N flags, each ON in both environments (a published version each). */
function writeSeed(dir: string, count: number): string {
  const flags = Array.from({ length: count }, (_, i) => ({
    name: `scale_flag_${String(i + 1).padStart(4, '0')}`,
    type: 'STANDARD',
    environments: Object.fromEntries(seed002.environments.map((e) => [e.name, { enabled: true }])),
  }));
  const seed = {
    organisation: { name: 'Bench' },
    project: { id: seed002.projectId, name: 'Bench' },
    environments: seed002.environments.map((e) => ({ id: e.id, name: e.name, api_key: e.apiKey, use_v2_feature_versioning: true })),
    features: flags,
  };
  const path = join(dir, 'seed.yaml');
  writeFileSync(path, stringify(seed));
  return path;
}

/** Start `flagops worker` and wait for its start-up line (returned); its other log lines are dropped. */
async function spawnWorker(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; started: Record<string, unknown> }> {
  const child = spawn(process.execPath, ['bin/flagops.mjs', 'worker'], { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
      const line = output.split('\n').find((l) => l.includes('"worker.started"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`flagops worker exited (${code}) before it started:\n${output}`)));
  });
  return { child, started };
}

/** A process's resident set now (VmRSS) or at its peak (VmHWM), in MB. */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Number(match[1]) / 1024 : NaN;
}

function eventMs(event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }): number {
  return Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
}

/** The Update's acceptance to the run's completion, from its history. */
async function approveToCompleted(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const accepted = events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  const completed = events.find((e) => e.workflowExecutionCompletedEventAttributes);
  if (!accepted || !completed) throw new Error(`${handle.workflowId}: no accepted Update or no completion in its history`);
  return eventMs(completed) - eventMs(accepted);
}

/** Until the run shows its plan and waits for an approver (read from its memo: no query, no worker). */
async function planShown(handle: WorkflowHandle): Promise<string> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const memo = (await handle.describe()).memo?.rollback as { plan?: { planHash?: string }; outcome?: { status?: string } } | undefined;
    if (memo?.outcome?.status === 'awaiting_approval' && memo.plan?.planHash) return memo.plan.planHash;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: no plan in 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function phase(server: DevServer, adminUrl: string, runId: string, name: string, count: number, throttle: number | null): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flagops-bench-scale-'));
  const db = await cloneDatabase(adminUrl, runId, 'sandbox');
  const sandbox = await spawnSandbox({ databaseUrl: db.url, token: TOKEN, seed: writeSeed(dir, count), ...(throttle ? { throttlePerMinute: throttle } : {}) });
  const configPath = join(dir, 'flagops.yaml');
  writeFileSync(
    configPath,
    stringify({
      flagsmith: { ...seed002FlagsmithConfig(sandbox.url), ...(throttle ? { requestsPerMinute: throttle } : {}) },
      approval: { approvers: [APPROVER], distinctFromRequester: true },
      rollback: { cacheWait: '0s', verifyTimeout: '5m' },
    }),
  );
  const taskQueue = `bench-scale-${name}-${runId}`;
  const { child: worker, started: startLine } = await spawnWorker({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(workerNodeOptions ? { NODE_OPTIONS: workerNodeOptions } : {}),
    FLAGOPS_CONFIG: configPath,
    FLAGSMITH_ADMIN_TOKEN: `Token ${TOKEN}`,
    TEMPORAL_ADDRESS: server.address,
    FLAGOPS_TASK_QUEUE: taskQueue,
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  });
  const idleRssMb = rssMb(worker.pid ?? 0, 'VmRSS');
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const flags = Array.from({ length: count }, (_, i) => `scale_flag_${String(i + 1).padStart(4, '0')}`);
  const failures: string[] = [];
  const handles: WorkflowHandle[] = [];
  const started = performance.now();
  try {
    await pool(count, count, async (index) => {
      const flag = flags[index] ?? '';
      try {
        const handle = await startRollback(client, {
          taskQueue,
          idPrefix: `${runId}-${name}-`,
          input: { flag, requestedBy: 'ic@example.com', reason: 'bench:scale', cacheWaitMs: 0, verifyIntervalMs: 1_000 },
        });
        const planHash = await planShown(handle);
        await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, planHash }] });
        const result: RollbackStatus = await handle.result();
        if (result.status !== 'completed') failures.push(`${flag}: ${result.status} (${result.outcome?.detail ?? ''})`);
        else handles.push(handle);
      } catch (error) {
        failures.push(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    const wallMs = performance.now() - started;
    const peakMb = rssMb(worker.pid ?? 0, 'VmHWM');
    const durations = await pool(handles.length, 20, (i) => approveToCompleted(handles[i] as WorkflowHandle));
    // What Flagsmith holds: the versions flagops published, per flag and environment.
    const store = new Database(db.url, 'bench sandbox');
    const rows = await store.query<{ name: string; environment_id: number; published: string }>(
      `SELECT f.name, v.environment_id, count(*) FILTER (WHERE v.published_at IS NOT NULL) AS published
         FROM feature_versioning_environmentfeatureversion v JOIN features_feature f ON f.id = v.feature_id
        WHERE v.description LIKE 'flagops:%' AND v.deleted_at IS NULL
        GROUP BY f.name, v.environment_id`,
    );
    await store.close();
    const published = new Map(rows.map((r) => [`${r.name}/${r.environment_id}`, Number(r.published)]));
    let duplicates = 0;
    let missing = 0;
    for (const flag of flags) {
      for (const env of seed002.environments) {
        const n = published.get(`${flag}/${env.id}`) ?? 0;
        if (n === 0) missing += 1;
        duplicates += Math.max(0, n - 1);
      }
    }
    const throttled = (await sandbox.requests()).filter((r) => r.status === 429).length;
    return { name, rollbacks: count, wallMs, approveToCompleted: durations, failures, rssMb: peakMb, idleRssMb, workflowCode: String(startLine.workflowCode), duplicates, missing, throttled, paced: throttle ? `${throttle}/min` : 'off' };
  } finally {
    await connection.close();
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const adminUrl = execFileSync('bash', ['scripts/postgres.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const runId = newRunId('scale');
const server = await startDevServer();
const results: PhaseResult[] = [];
try {
  await createTemplates(adminUrl, runId);
  if (rollbacks > 0) results.push(await phase(server, adminUrl, runId, 'open', rollbacks, null));
  if (throttledRollbacks > 0) results.push(await phase(server, adminUrl, runId, 'throttled', throttledRollbacks, rate));
} finally {
  await server.stop();
  await dropRunDatabases(adminUrl, runId);
}

for (const r of results) {
  const p = (q: number) => Math.round(percentile(r.approveToCompleted, q) ?? NaN);
  console.log(
    `${r.name}: rollbacks=${r.rollbacks} wall_s=${(r.wallMs / 1000).toFixed(1)} rollbacks_per_s=${(r.rollbacks / (r.wallMs / 1000)).toFixed(2)} ` +
      `approve_to_completed_p50_ms=${p(50)} p95_ms=${p(95)} worker_idle_rss_mb=${Math.round(r.idleRssMb)} worker_peak_rss_mb=${Math.round(r.rssMb)} failures=${r.failures.length} ` +
      `published_per_env=${r.duplicates === 0 && r.missing === 0 ? 1 : 'not 1'} duplicates=${r.duplicates} missing=${r.missing} pacing=${r.paced} http_429=${r.throttled}`,
  );
  console.log(`  the worker ran its workflow code from: ${r.workflowCode}; NODE_OPTIONS=${JSON.stringify(workerNodeOptions)}`);
  for (const failure of r.failures.slice(0, 5)) console.log(`  failed: ${failure}`);
}
console.log(`rerun: npm run bench:scale -- --rollbacks ${rollbacks} --throttled-rollbacks ${throttledRollbacks} --rate ${rate} --worker-node-options=${JSON.stringify(workerNodeOptions)}`);
const sum = (f: (r: PhaseResult) => number) => results.reduce((total, r) => total + f(r), 0);
console.log(
  `rollbacks=${sum((r) => r.rollbacks)} failures=${sum((r) => r.failures.length)} rss_mb=${Math.round(Math.max(...results.map((r) => r.rssMb)))} duplicate_publishes=${sum((r) => r.duplicates)}`,
);
process.exit(0);
