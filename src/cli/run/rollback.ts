/**
 * `flagops rollback <flag>`: validate, start the `flagRollback` workflow, then print the plan and
 * live progress until the run ends or needs attention (SPEC §6).
 *
 * Its definition (options, help) is `../commands/rollback.ts`; this body is loaded only when it runs.
 */
import { adminToken } from '../../config/env.js';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../config/errors.js';
import { RollbackAlreadyRunningError, RollbackInputError, startRollback } from '../../rollback/start.js';
import { initialStatus } from '../../../workflows/rollback/state.js';
import { ExitCode } from '../action.js';
import { ProgressPrinter, isCountdownLine, renderSummary } from '../render.js';
import { Terminal } from '../terminal.js';
import { type RollbackCliOptions, parseRollbackOptions } from '../rollback-options.js';
import { cliIdentity, osUser, withTemporal } from '../temporal.js';
import { type RollbackWorkflow, exitCodeOf, follow, queryStatus } from '../watch.js';

export async function rollback(flag: string, options: RollbackCliOptions, env: NodeJS.ProcessEnv): Promise<number> {
  // Everything is checked before anything starts (SPEC §6).
  const config = loadConfig(env);
  // The worker makes the Flagsmith calls, but a rollback from a machine without the token is
  // almost always a misconfigured shell: SPEC §2 lists rollback among the token's users.
  adminToken(env, 'flagops rollback');
  const request = parseRollbackOptions(flag, options, config, osUser());
  const { input } = request;
  return withTemporal(env, cliIdentity(input.requestedBy), async ({ client, runtime, settings }) => {
    let handle;
    try {
      handle = await startRollback(client, { taskQueue: runtime.taskQueue, idPrefix: runtime.idPrefix, input });
    } catch (error) {
      if (error instanceof RollbackAlreadyRunningError) {
        process.stderr.write(
          `flagops: refused: ${error.message}\n  see: flagops status ${error.workflowId}\n  (one rollback per flag at a time; approve, reject or wait for it, then start again)\n`,
        );
        return ExitCode.Unsuccessful;
      }
      if (error instanceof RollbackInputError) throw new ConfigError(error.message);
      throw error;
    }
    // Follow the run we started, not whatever run holds the id later.
    const runId = handle.firstExecutionRunId;
    const pinned = client.workflow.getHandle<RollbackWorkflow>(handle.workflowId, runId);
    if (!request.wait) {
      if (request.json) {
        // Without waiting for a worker: before it answers, the status the workflow starts from.
        const status = await queryStatus(client, pinned, 5_000).catch(() => initialStatus(input, { workflowId: handle.workflowId, runId }, new Date().toISOString()));
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      } else {
        process.stdout.write(`Started ${handle.workflowId} (run ${runId}).\n  follow it: flagops status ${handle.workflowId}\n`);
      }
      return ExitCode.Ok;
    }
    if (!request.json) process.stdout.write(`Started ${handle.workflowId} (run ${runId}); planning…\n`);
    // On a terminal the countdown updates in place; piped, it is a line every 10 s.
    const term = Terminal.for(process.stdout, env);
    const printer = new ProgressPrinter({ namespace: settings.namespace }, term.inPlace);
    // Ctrl-C stops following, not the rollback: say so, since the workflow keeps running.
    const onInterrupt = () => {
      process.stderr.write(`\nStopped following; the rollback continues. Follow it again: flagops status ${handle.workflowId}\n`);
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    const observation = await follow(client, pinned, {
      onStatus: (status) => {
        if (request.json) return;
        for (const line of printer.update(status)) {
          if (term.inPlace && isCountdownLine(line)) term.live(line);
          else term.line(line);
        }
      },
      onProblem: (problem) => process.stderr.write(`flagops: ${problem}\n`),
    });
    process.off('SIGINT', onInterrupt);
    term.clearLive();
    const final = observation.status;
    if (!final) {
      process.stderr.write(`flagops: ${observation.problem ?? 'no status'}\n`);
      return ExitCode.Unsuccessful;
    }
    process.stdout.write(request.json ? `${JSON.stringify(final, null, 2)}\n` : `\n${renderSummary(final)}\n`);
    return exitCodeOf(final);
  });
}
