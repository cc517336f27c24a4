/**
 * The `flagops` command line. Each command lives in its own file under `commands/` and registers
 * itself on the program; this file only assembles them and maps usage errors to exit code 2.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { projectDir } from '../paths.js';
import { ExitCode, reportError, setJsonErrors } from './action.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerApproveCommand } from './commands/approve.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerListCommand } from './commands/list.js';
import { registerRejectCommand } from './commands/reject.js';
import { registerResolveCommand } from './commands/resolve.js';
import { registerRollbackCommand } from './commands/rollback.js';
import { registerSetupTemporalCommand } from './commands/setup-temporal.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerWebhooksCommand } from './commands/webhooks.js';
import { registerWorkerCommand } from './commands/worker.js';

/** The version in package.json (read when the program is built: one small file). */
function packageVersion(): string {
  const parsed = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}

let jsonRequested = false;

/** The `flagops` program with every command; commander's exits become exceptions (see {@link main}). */
export function buildProgram(): Command {
  const program = new Command('flagops')
    .description('Feature-flag incident runbooks as durable, audited Temporal workflows')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--no-color', 'print no colour (as NO_COLOR=1 does); colour is used only on a terminal')
    .showHelpAfterError()
    .configureOutput({
      // Under --json a usage error is a JSON document too; commander's own line otherwise.
      outputError: (text, write) => (jsonRequested ? reportError(text.trim().replace(/^error: /, ''), ExitCode.Usage) : write(text)),
    })
    .exitOverride()
    // Every command reads colour from the environment (no-color.org), so the flag becomes NO_COLOR.
    .hook('preAction', (command) => {
      if (command.opts<{ color?: boolean }>().color === false) process.env.NO_COLOR = '1';
    });
  registerWorkerCommand(program);
  registerRollbackCommand(program);
  registerApproveCommand(program);
  registerRejectCommand(program);
  registerResolveCommand(program);
  registerStatusCommand(program);
  registerListCommand(program);
  registerSetupTemporalCommand(program);
  registerSandboxCommand(program);
  registerSyncCommand(program);
  registerWebhooksCommand(program);
  registerDemoCommand(program);
  registerCompletionCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Run the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  jsonRequested = argv.slice(2).includes('--json');
  setJsonErrors(jsonRequested);
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return ExitCode.Usage;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are "errors" to commander; they succeeded.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.Ok;
      return ExitCode.Usage;
    }
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
}
