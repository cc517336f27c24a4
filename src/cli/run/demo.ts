/**
 * `flagops demo` (`npm run demo`): the whole product on this machine, in one command. Starts the
 * demo stack (embedded PostgreSQL unless one is configured, a Temporal dev server with its UI, a
 * sandbox seeded like seed 002, a worker logging to a file), tells the story, and stops everything,
 * or with `--keep-running` stays up until Ctrl-C. Ctrl-C at any moment stops every process it
 * started and removes its temporary files.
 *
 * Its definition (options, help) is `../commands/demo.ts`; this body is loaded only when it runs.
 */
import { durationOption } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { startDemoStack, type DemoStack } from '../../demo/stack.js';
import { tellStory } from '../../demo/story.js';
import { Terminal } from '../terminal.js';

export interface DemoOptions {
  sandboxPort?: string;
  uiPort?: string;
  keepRunning?: boolean;
  approvalPause?: string;
}

function secondTerminal(stack: DemoStack): string[] {
  return [
    'The stack stays up (Ctrl-C stops it). In a second terminal, in this directory:',
    ...Object.entries(stack.env).map(([name, value]) => `  export ${name}='${value}'`),
    '  npx flagops list',
    '  npx flagops rollback matcher_trigger_decision_stages --value \'["decided_on_destination"]\' --as ic@example.com',
    '  npx flagops sync Production',
  ];
}

function portOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`${name}: ${JSON.stringify(text)} is not a port (0–65535)`);
  return port;
}

export async function demo(options: DemoOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const term = Terminal.for(process.stdout, env);
  const approvalPauseMs = durationOption('--approval-pause', options.approvalPause ?? '3s');
  const ports = { sandboxPort: portOption('--sandbox-port', options.sandboxPort), uiPort: portOption('--ui-port', options.uiPort) };
  const startedAt = Date.now();
  let stop: (() => Promise<void>) | undefined;
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) return;
    interrupted = true;
    term.line('\nCtrl-C: stopping the worker, the sandbox, Temporal and PostgreSQL…');
    void (stop ? stop() : Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    term.line(term.style('bold', "flagops demo: seed 002's rollback of auto_invoke_matcher_on_intake_complete, end to end"));
    const stack = await startDemoStack({
      env,
      ...(ports.sandboxPort !== undefined ? { sandboxPort: ports.sandboxPort } : {}),
      ...(ports.uiPort !== undefined ? { uiPort: ports.uiPort } : {}),
      onStoppable: (fn) => (stop = fn),
      onStep: (step, detail) => term.line(`  ${term.style('green', '✓')} ${step.padEnd(10)} ${detail}`),
    });
    const code = await tellStory(stack, term, { approvalPauseMs });
    term.line(`\nThe story took ${((Date.now() - startedAt) / 1000).toFixed(1)} s${code === 0 ? '' : term.style('red', ' and did not end as it should (exit 1)')}.`);
    if (options.keepRunning) {
      for (const line of secondTerminal(stack)) term.line(line);
      await new Promise<never>(() => undefined);
    }
    return code;
  } finally {
    if (!interrupted) await stop?.();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}
