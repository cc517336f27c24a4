/**
 * `flagops demo`: the whole product on this machine. Starts a Temporal dev server (with its Web
 * UI), a sandbox seeded like seed 002, the application and document-store databases, and a
 * worker; prints what to run in a second terminal; stops everything on Ctrl-C.
 *
 * Its definition (options, help) is `../commands/demo.ts`; this body is loaded only when it runs.
 */
import { startDemoStack } from '../../demo/stack.js';
import { runWorker } from './worker.js';

export interface DemoOptions {
  sandboxPort?: string;
  uiPort?: string;
}

function instructions(stack: Awaited<ReturnType<typeof startDemoStack>>): string {
  const exports = Object.entries(stack.env)
    .map(([name, value]) => `export ${name}='${value}'`)
    .join('\n');
  return `
flagops demo is running.
  Temporal:     ${stack.temporalAddress}   Web UI: ${stack.uiUrl}
  Sandbox:      ${stack.sandbox.url}   (Flagsmith-compatible; admin token ${stack.sandbox.token})
  Config:       ${stack.configPath}

In a second terminal, in this directory:
${exports}
npx flagops rollback auto_invoke_matcher_on_intake_complete --reason "matcher cards without EHR" --incident INC-1 --as ic@example.com
npx flagops approve rollback-auto_invoke_matcher_on_intake_complete --as sd@example.com --yes
npx flagops sync Production

Press Ctrl-C to stop everything.
`;
}

export async function demo(options: DemoOptions): Promise<number> {
  const stack = await startDemoStack({
    ...(options.sandboxPort ? { sandboxPort: Number(options.sandboxPort) } : {}),
    ...(options.uiPort ? { uiPort: Number(options.uiPort) } : {}),
  });
  try {
    process.stdout.write(instructions(stack));
    return await runWorker({ ...process.env, ...stack.env, METRICS_PORT: process.env.METRICS_PORT ?? '0' });
  } finally {
    await stack.stop();
  }
}
