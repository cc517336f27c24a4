/**
 * Running workflows in tests: a client on the run's dev server, one workflow bundle per test file,
 * and `runWithWorker`, which runs the real flagops worker on a unique task queue for one test.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap, type Worker } from '@temporalio/worker';
import { afterAll, inject } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import { bundleFlagopsWorkflows, createFlagopsWorker } from '../../src/worker.js';

let environment: Promise<TestWorkflowEnvironment> | undefined;
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Keep test output quiet when it passes: the SDK's INFO and WARN lines (worker state changes, the
 * activity failures and failing replays a test provokes on purpose) are noise here. Once per file.
 */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // Already installed in this process (another helper got there first).
  }
}

/** The test file's connection to the run's dev server (closed after the file). */
export function testEnvironment(): Promise<TestWorkflowEnvironment> {
  if (!environment) {
    quietRuntime();
    environment = TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
    afterAll(async () => {
      await (await environment)?.teardown();
    });
  }
  return environment;
}

/** The workflow bundle, built once per file (bundling takes about a second). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleFlagopsWorkflows();
  return bundle;
}

/** A string unique to this test, for task queues and workflow-id prefixes. */
export function uniqueName(label = 't'): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface WorkerContext {
  client: Client;
  taskQueue: string;
  /** Prefix for every workflow id of this test (what FLAGOPS_ID_PREFIX does in production). */
  idPrefix: string;
  worker: Worker;
}

export interface RunWithWorkerOptions {
  deps: Omit<ActivityDeps, 'temporal'>;
  /** Replace single activities: only to inject a fault that cannot be produced for real. */
  activityOverrides?: Record<string, (...args: never[]) => Promise<unknown>>;
  taskQueue?: string;
  idPrefix?: string;
}

/** Run the real flagops worker on a unique task queue while `fn` runs, then shut it down. */
export async function runWithWorker<T>(options: RunWithWorkerOptions, fn: (context: WorkerContext) => Promise<T>): Promise<T> {
  const env = await testEnvironment();
  const taskQueue = options.taskQueue ?? uniqueName('tq');
  const idPrefix = options.idPrefix ?? `${uniqueName('id')}-`;
  const worker = await createFlagopsWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: { ...options.deps, temporal: { client: env.client, taskQueue, idPrefix } },
    workflowBundle: await workflowBundle(),
    shutdownGraceTimeMs: 1_000,
    ...(options.activityOverrides ? { activityOverrides: options.activityOverrides } : {}),
  });
  return worker.runUntil(fn({ client: env.client, taskQueue, idPrefix, worker }));
}

/**
 * Poll a workflow query until `predicate` holds. A query that fails (the first workflow task has
 * not run yet) is retried; past `timeoutMs` the error names `what` and the last answer.
 */
export async function waitForQuery<T>(
  what: string,
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (predicate(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const answer = last === undefined ? `no answer (${String(lastError)})` : JSON.stringify(last).slice(0, 2000);
      throw new Error(`${what} did not match in ${timeoutMs} ms; last: ${answer}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
