/**
 * `flagops setup-temporal`: register the search attributes of SPEC §3 on a self-hosted cluster
 * (idempotent), or print what to run on Temporal Cloud, whose operator API is closed to clients.
 *
 * Its definition (options, help) is `../commands/setup-temporal.ts`; this body is loaded only when it runs.
 */
import { isGrpcServiceError } from '@temporalio/client';
import { temporalSettings } from '../../config/env.js';
import { SearchAttributeConflictError, cloudInstructions, registerSearchAttributes } from '../../temporal/setup.js';
import { ExitCode } from '../action.js';
import { cliIdentity, osUser, withTemporal } from '../temporal.js';

/** gRPC codes Temporal Cloud answers the operator API with. */
const PERMISSION_DENIED = 7;
const UNIMPLEMENTED = 12;

export interface SetupOptions {
  cloud?: boolean;
}

export async function setupTemporal(options: SetupOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const settings = temporalSettings(env);
  if (options.cloud || /\.tmprl\.cloud(:\d+)?$/.test(settings.address)) {
    process.stdout.write(`${cloudInstructions(settings.namespace)}\n`);
    return ExitCode.Ok;
  }
  return withTemporal(env, cliIdentity(osUser()), async ({ client }) => {
    try {
      const results = await registerSearchAttributes(client.connection, settings.namespace);
      for (const r of results) {
        process.stdout.write(`${r.result === 'added' ? 'added  ' : 'present'}  ${r.name} (${r.type})\n`);
      }
      process.stdout.write(`Search attributes ready in namespace ${settings.namespace} at ${settings.address}.\n`);
      return ExitCode.Ok;
    } catch (error) {
      if (error instanceof SearchAttributeConflictError) {
        process.stderr.write(`flagops: ${error.message}\n`);
        return ExitCode.Unsuccessful;
      }
      if (isGrpcServiceError(error) && [PERMISSION_DENIED, UNIMPLEMENTED].includes(Number(error.code))) {
        process.stderr.write(`flagops: the server refused the operator API (${error.details}); on Temporal Cloud:\n\n${cloudInstructions(settings.namespace)}\n`);
        return ExitCode.Unsuccessful;
      }
      throw error;
    }
  });
}
