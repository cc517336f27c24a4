/**
 * The demo's worker: `flagops worker` as a child process, exactly as an operator runs it, with
 * its JSON log lines going to the demo's log file instead of the screen.
 */
import { spawn } from 'node:child_process';
import { type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { projectDir } from '../paths.js';
import { stopChild } from '../devtools/child-process.js';

export interface WorkerProcess {
  pid: number;
  /** SIGTERM (the worker drains), then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Start `flagops worker` with `env` and wait for its `worker.started` line (or its exit). */
export async function startWorkerProcess(env: NodeJS.ProcessEnv, log: WriteStream, readyTimeoutMs = 90_000): Promise<WorkerProcess> {
  // Detached: a Ctrl-C in the terminal reaches the demo, which drains this worker before it
  // stops the servers the worker needs.
  const child = spawn(process.execPath, [join(projectDir, 'bin/flagops.mjs'), 'worker'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let started = false;
  let tail = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start within ${readyTimeoutMs / 1000} s; see the log`)), readyTimeoutMs);
    const scan = (chunk: Buffer) => {
      log.write(chunk);
      if (started) return;
      tail = (tail + chunk.toString('utf8')).slice(-4096);
      if (tail.includes('"event":"worker.started"')) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`the worker exited during start-up (code ${code}, signal ${signal}): ${lastMessage(tail)}`));
    });
  });
  // SIGTERM makes the worker drain.
  const stop = (graceMs = 20_000) => stopChild(child, 'SIGTERM', graceMs);
  try {
    await ready;
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  return { pid: child.pid ?? -1, stop };
}

/** The last line the worker wrote, for a start-up failure's message (its own words, not ours). */
function lastMessage(output: string): string {
  const lines = output.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    const parsed = JSON.parse(last) as { msg?: unknown; err?: { message?: unknown } };
    const message = parsed.err?.message ?? parsed.msg;
    return typeof message === 'string' ? message : last;
  } catch {
    return last || 'no output';
  }
}
