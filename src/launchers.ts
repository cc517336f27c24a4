/**
 * Stopping `npx flagops worker` must drain the worker. npm runs a bin through `sh -c`, and neither
 * npm's `sh` nor a service's own `sh -c "npx flagops worker"` passes SIGTERM on: the command that
 * was told to stop exits, and the worker would run on without a parent. So the worker watches the
 * processes that launched it — the `sh` and `npm` wrappers directly above it — and drains as soon as
 * one of them is gone, as if it had received the SIGTERM itself. A shell that is not such a wrapper
 * (an interactive `bash`, `nohup`, a service manager) ends the watch: a worker started in the
 * background on purpose keeps running.
 */
import { readFileSync } from 'node:fs';

/** Process names that only wrap the command they run (npm's `sh -c`, npm and npx themselves). */
const WRAPPERS = new Set(['sh', 'dash', 'npm', 'npx', 'npm exec']);

interface ProcessInfo {
  pid: number;
  ppid: number;
  name: string;
}

/** Linux's view of a process (`/proc/<pid>/stat`); null where there is no /proc or it is gone. */
function processInfo(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close);
    const [state, ppidText] = stat.slice(close + 2).split(' ');
    // A zombie has exited; only its parent has not collected it yet.
    if (state === 'Z' || state === 'X') return null;
    const ppid = Number(ppidText);
    // npm renames its process title to `npm exec …`; the kernel's name is its first 15 bytes.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const title = /^npm( exec)?\b/.test(cmdline[0] ?? '') ? 'npm' : name;
    return { pid, ppid, name: title };
  } catch {
    return null;
  }
}

/** The wrapper processes directly above this one, nearest first. */
export function launcherChain(start = process.ppid): ProcessInfo[] {
  const chain: ProcessInfo[] = [];
  for (let pid = start; pid > 1 && chain.length < 8; ) {
    const info = processInfo(pid);
    if (!info || !WRAPPERS.has(info.name)) break;
    chain.push(info);
    pid = info.ppid;
  }
  return chain;
}

/**
 * Call `onGone` once, when any launcher of this process has exited. @returns a function that
 * stops watching. Does nothing where /proc is missing (the worker then relies on signals alone).
 */
export function watchLaunchers(onGone: (launcher: { pid: number; name: string }) => void, intervalMs = 500): () => void {
  const chain = launcherChain();
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    const gone = chain.find((p) => processInfo(p.pid)?.name !== p.name);
    if (gone) {
      clearInterval(timer);
      onGone({ pid: gone.pid, name: gone.name });
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
