/**
 * What the Temporal commands share: one client per invocation with the user as its identity, and
 * Temporal's errors turned into messages that name the setting to fix.
 */
import { hostname, userInfo } from 'node:os';
import { type Client, type WorkflowExecutionDescription, WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { type RuntimeSettings, type TemporalSettings, runtimeSettings, temporalSettings } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { workflowIds } from '../ids.js';
import { connectClient } from '../temporal/connection.js';
import type { RollbackHandle, RollbackWorkflow } from './watch.js';

/** gRPC status codes we explain (grpc-js is not our dependency; the numbers are the wire protocol's). */
const GrpcStatus = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** The OS user, the default of `--as` where it is optional. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/**
 * The Temporal client identity of a CLI invocation. It is recorded in the history of every signal
 * and start (SPEC §1), so it carries the user as well as where the command ran.
 */
export function cliIdentity(user: string): string {
  return `${user} (flagops cli, ${process.pid}@${hostname()})`;
}

export interface CliTemporal {
  client: Client;
  settings: TemporalSettings;
  runtime: RuntimeSettings;
  close(): Promise<void>;
}

/** Thrown when Temporal cannot be reached or refuses us; exit 1 (the message names what to check). */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
}

/** Explain a Temporal error in terms of the variables that configure the connection. */
export function describeTemporalError(error: unknown, settings: TemporalSettings): Error {
  const message = error instanceof Error ? error.message : String(error);
  const grpc = isGrpcServiceError(error) ? error : error instanceof Error && isGrpcServiceError(error.cause) ? error.cause : undefined;
  if (grpc) {
    // Widened to number: grpc-js's enum is not our dependency, the numbers are the wire protocol's.
    const code: number = grpc.code;
    if (code === GrpcStatus.NOT_FOUND && /namespace/i.test(message)) {
      return new TemporalUnavailableError(`Temporal namespace ${JSON.stringify(settings.namespace)} not found at ${settings.address} (check TEMPORAL_NAMESPACE): ${message}`);
    }
    if (code === GrpcStatus.UNAUTHENTICATED || code === GrpcStatus.PERMISSION_DENIED) {
      return new TemporalUnavailableError(`Temporal at ${settings.address} refused us (check TEMPORAL_API_KEY / TEMPORAL_TLS_* and the namespace's permissions): ${message}`);
    }
    if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED) {
      return new TemporalUnavailableError(`cannot reach Temporal at ${settings.address} (check TEMPORAL_ADDRESS): ${message}`);
    }
  }
  return error instanceof Error ? error : new Error(message);
}

/**
 * Connect with the settings from the environment.
 * @throws ConfigError for a bad TEMPORAL_* / FLAGOPS_* setting; TemporalUnavailableError naming
 *   TEMPORAL_ADDRESS when the server does not answer (the SDK gives up after 10 s).
 */
export async function openTemporal(env: NodeJS.ProcessEnv, identity?: string): Promise<CliTemporal> {
  const settings = temporalSettings(env);
  const runtime = runtimeSettings(env);
  let client: Client;
  try {
    client = await connectClient(settings, identity);
  } catch (error) {
    throw new TemporalUnavailableError(
      `cannot reach Temporal at ${settings.address} (set TEMPORAL_ADDRESS, and TEMPORAL_NAMESPACE / TEMPORAL_API_KEY / TEMPORAL_TLS_* for a secured cluster): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { client, settings, runtime, close: () => client.connection.close() };
}

/** Open a client, run `fn`, always close; Temporal errors come out named (see describeTemporalError). */
export async function withTemporal<T>(env: NodeJS.ProcessEnv, identity: string | undefined, fn: (t: CliTemporal) => Promise<T>): Promise<T> {
  const temporal = await openTemporal(env, identity);
  try {
    return await fn(temporal);
  } catch (error) {
    throw describeTemporalError(error, temporal.settings);
  } finally {
    await temporal.close();
  }
}

/**
 * The workflow id a user meant: the id itself, or a flag name (`<prefix>rollback-<flag>`), so
 * `flagops approve my_flag` works as well as the full id the rollback printed.
 * @throws ConfigError naming `<workflowId>` when neither exists.
 */
export async function resolveWorkflowId(client: Client, idPrefix: string, given: string): Promise<{ workflowId: string; description: WorkflowExecutionDescription }> {
  const candidates = [given, workflowIds.rollback(idPrefix, given)];
  for (const id of candidates) {
    try {
      return { workflowId: id, description: await client.workflow.getHandle(id).describe() };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  throw new ConfigError(
    `<workflowId>: no workflow ${JSON.stringify(given)} (nor ${JSON.stringify(candidates[1])}) in namespace ${JSON.stringify(client.options.namespace)}; see flagops list`,
  );
}

/**
 * The current run of the rollback a user named, pinned by run id so every later call hits that
 * run, and its description (one round trip: callers reuse it instead of describing again).
 */
export async function pinCurrentRun(
  client: Client,
  idPrefix: string,
  given: string,
): Promise<{ workflowId: string; runId: string; handle: RollbackHandle; description: WorkflowExecutionDescription }> {
  const { workflowId, description } = await resolveWorkflowId(client, idPrefix, given);
  const { runId } = description;
  return { workflowId, runId, handle: client.workflow.getHandle<RollbackWorkflow>(workflowId, runId), description };
}
