/**
 * The flagops worker: one code path used by `flagops worker`, the tests and the benchmarks.
 * `createFlagopsWorker` registers every workflow of `workflows/index.ts` and every activity of the
 * one factory; `buildActivityDeps` is the only place real clients are constructed from settings.
 */
import { join } from 'node:path';
import { projectDir } from './paths.js';
import { loadPrebuiltBundle } from './workflow-bundle.js';
import type { Client } from '@temporalio/client';
import { Worker, bundleWorkflowCode, type BundleOptions, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { adminToken, optionalDatabaseUrlVar, optionalUrlVar, optionalVar, serverKeyVariable } from './config/env.js';
import type { FlagopsConfig } from './config/schema.js';
import { Database } from './db/sql.js';
import { FlagsmithClient } from './flagsmith/client.js';
import { RequestPacer } from './flagsmith/pacer.js';
import { HttpClient } from './http.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** Source of the workflow bundle; Temporal's bundler compiles the TypeScript itself. */
export const workflowsPath = join(projectDir, 'workflows/index.ts');

/** Workflow interceptors every bundle carries (see `workflows/interceptors.ts`). */
export const workflowInterceptorModules = [join(projectDir, 'workflows/interceptors.ts')];

const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/**
 * Bundle the workflows with their interceptors, as the worker, the tests and replay must all do.
 * `webpackConfigHook` lets a test build a changed workflow (a deploy under a running rollback).
 */
export function bundleFlagopsWorkflows(options: { webpackConfigHook?: BundleOptions['webpackConfigHook'] } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: quietBundler,
    ...(options.webpackConfigHook ? { webpackConfigHook: options.webpackConfigHook } : {}),
  });
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build one per file); otherwise `workflowsPath` is bundled at start. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  identity?: string;
  /** How long in-flight activities may finish on shutdown (default 10 s). */
  shutdownGraceTimeMs?: number;
  /** Workflows kept in memory between their tasks (default: Temporal's, from the heap limit). */
  maxCachedWorkflows?: number;
  /** Replace single activities (fault injection in tests only). */
  activityOverrides?: Record<string, (...args: never[]) => Promise<unknown>>;
  /**
   * Temporal Worker Versioning: this worker is build `buildId` of deployment `deploymentName`.
   * Rollbacks stay PINNED to the build they started on; the long-lived sync and tailer workflows
   * AUTO_UPGRADE (see README, "Changing workflow code"). Absent: an unversioned worker.
   */
  deployment?: WorkerDeployment;
}

/** A worker's place in a Temporal Worker Deployment. */
export interface WorkerDeployment {
  deploymentName: string;
  buildId: string;
}

/** The given bundle, else the prebuilt one while it matches the sources, else the sources (compiled now). */
function workflowCode(given: WorkflowBundleWithSourceMap | undefined) {
  const bundle = given ?? loadPrebuiltBundle();
  return bundle ? { workflowBundle: bundle } : { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules } };
}

/** Which workflow code a worker created without a bundle will run (for its start-up log line). */
export function workflowCodeSource(): 'prebuilt bundle' | 'compiled from the sources' {
  return loadPrebuiltBundle() ? 'prebuilt bundle' : 'compiled from the sources';
}

/** How long a workflow task waits for its worker's sticky queue; see {@link createFlagopsWorker}. */
export const STICKY_QUEUE_TIMEOUT = '3s';

export async function createFlagopsWorker(options: WorkerOptions): Promise<Worker> {
  const activities = { ...createActivities(options.deps), ...(options.activityOverrides ?? {}) };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities,
    ...workflowCode(options.workflowBundle),
    ...(options.identity ? { identity: options.identity } : {}),
    shutdownGraceTime: options.shutdownGraceTimeMs ?? 10_000,
    // Temporal's default follows the heap limit, which tracks the machine's memory, not the
    // worker's budget: a heap capped for a small container would cache only 10 workflows.
    ...(options.maxCachedWorkflows ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    // After a worker dies, its workflows' next tasks wait on its sticky queue for this long before
    // another worker gets them (Temporal's default is 10 s). An incident rollback should not sit
    // out 10 s; the price, a history replay when a busy worker misses the window, is small here.
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    ...(options.deployment
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true,
            version: { deploymentName: options.deployment.deploymentName, buildId: options.deployment.buildId },
            // A rollback must finish on the code that planned it; workflows that outlive any
            // deploy (sync, tailer) declare AUTO_UPGRADE themselves.
            defaultVersioningBehavior: 'PINNED',
          },
        }
      : {}),
  });
}

export interface BuiltDeps {
  deps: ActivityDeps;
  /** Close every pool the deps opened. */
  close(): Promise<void>;
}

/**
 * Build activity dependencies from configuration and environment: databases only when their URL
 * is set (each command checks what it needs before calling this).
 */
export function buildActivityDeps(args: {
  config: FlagopsConfig;
  env: NodeJS.ProcessEnv;
  log: Logger;
  metrics: Metrics;
  temporal?: { client: Client; taskQueue: string; idPrefix: string };
}): BuiltDeps {
  const { config, env, log, metrics } = args;
  const serverKeys: Record<string, string> = {};
  for (const environment of config.flagsmith.environments) {
    const key = optionalVar(env, serverKeyVariable(environment.name));
    if (key) serverKeys[environment.name] = key;
  }
  const open = (name: string, label: string) => {
    const url = optionalDatabaseUrlVar(env, name);
    return url ? new Database(url, label) : undefined;
  };
  const appDb = open('DATABASE_URL', 'application database (DATABASE_URL)');
  const flagsmithDb = open('FLAGSMITH_DATABASE_URL', "Flagsmith's database (FLAGSMITH_DATABASE_URL)");
  const flagopsDb = open('FLAGOPS_DATABASE_URL', 'document store (FLAGOPS_DATABASE_URL)');
  // Commands that need Flagsmith check FLAGSMITH_ADMIN_TOKEN before calling this; others run without a client.
  const flagsmith = optionalVar(env, 'FLAGSMITH_ADMIN_TOKEN')
    ? new FlagsmithClient({
        apiUrl: config.flagsmith.apiUrl,
        sdkUrl: config.flagsmith.sdkUrl,
        adminToken: adminToken(env, 'the worker'),
        timeoutMs: config.flagsmith.timeout,
        // One pacer for the whole worker: every activity draws on the same budget.
        ...(config.flagsmith.requestsPerMinute ? { pacer: new RequestPacer(config.flagsmith.requestsPerMinute) } : {}),
      })
    : undefined;
  // One pool for every non-Flagsmith call (Slack, GitHub, probes). Flagsmith keeps its own client:
  // its errors name Flagsmith, and its pool is sized and closed with it.
  const http = new HttpClient({ name: 'HTTP' });
  const slackWebhookUrl = optionalUrlVar(env, 'SLACK_WEBHOOK_URL');
  const githubToken = optionalVar(env, 'GITHUB_TOKEN');
  const slackBotToken = optionalVar(env, 'SLACK_BOT_TOKEN');
  // GitHub Enterprise Server answers the same REST paths under its own API root (GitHub Actions' name).
  const githubApiUrl = optionalUrlVar(env, 'GITHUB_API_URL');
  const deps: ActivityDeps = {
    config,
    log,
    metrics,
    http,
    secrets: {
      serverKeys,
      ...(slackWebhookUrl ? { slackWebhookUrl } : {}),
      ...(slackBotToken ? { slackBotToken } : {}),
      ...(githubToken ? { githubToken } : {}),
    },
    ...(appDb ? { appDb } : {}),
    ...(flagsmithDb ? { flagsmithDb } : {}),
    ...(flagopsDb ? { flagopsDb } : {}),
    ...(flagsmith ? { flagsmith } : {}),
    ...(args.temporal ? { temporal: args.temporal } : {}),
    ...(githubApiUrl ? { endpoints: { githubApiUrl } } : {}),
  };
  return {
    deps,
    close: async () => {
      const pools = [appDb, flagsmithDb, flagopsDb].filter((db): db is Database => db !== undefined);
      await Promise.all(pools.map((db) => db.close()));
      await flagsmith?.close();
      await http.close();
    },
  };
}
