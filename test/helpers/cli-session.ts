/**
 * A long-running CLI subprocess (e.g. `flagops rollback` following its workflow) whose output a
 * test can wait on while it sends other commands.
 */
import { type CliResult, startCli } from './cli.js';

export interface CliSession {
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolve once stdout contains `text` (rejects after `timeoutMs`, showing what was printed). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** The exit, once the process ends (killed after `timeoutMs` of the session). */
  done: Promise<CliResult>;
}

export function cliSession(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): CliSession {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      notify();
      resolve({ code, stdout, stderr });
    }),
  );
  const matches = (text: string | RegExp) => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
    waitFor(text, waitMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (matches(text)) finish(resolve);
          else if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`exited before printing ${String(text)}:\n${stdout}\n${stderr}`)));
        };
        const timeout = setTimeout(() => finish(() => reject(new Error(`not printed within ${waitMs} ms: ${String(text)}\nstdout:\n${stdout}\nstderr:\n${stderr}`))), waitMs);
        const finish = (fn: () => void) => {
          clearTimeout(timeout);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
