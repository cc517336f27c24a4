/** Stopping the servers the tests and the demo start as child processes. */
import type { ChildProcess } from 'node:child_process';

/** Send `signal` and wait for the exit; SIGKILL after `killAfterMs`. Nothing to do once it exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
