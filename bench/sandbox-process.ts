/**
 * `flagops sandbox` in its own process, as Flagsmith runs beside the worker in production: its
 * request handling then does not share the benchmark's event loop with the worker and the client.
 * Faults and the served-request log go through its HTTP controls (`/__sandbox/…`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { FaultRuleInput, ServedRequest } from '../src/sandbox/http/faults.js';
import { projectDir } from '../src/paths.js';

export interface SandboxProcess {
  url: string;
  addFault(rule: FaultRuleInput): Promise<void>;
  requests(): Promise<ServedRequest[]>;
  close(): Promise<void>;
}

/** Start `flagops sandbox` on a free port and wait for its "listening on" line. */
export async function spawnSandbox(options: { databaseUrl: string; token: string; seed: string; throttlePerMinute?: number }): Promise<SandboxProcess> {
  const args = ['bin/flagops.mjs', 'sandbox', '--port', '0', '--database-url', options.databaseUrl, '--token', options.token, '--seed', options.seed];
  if (options.throttlePerMinute) args.push('--throttle', String(options.throttlePerMinute));
  const child = spawn(process.execPath, args, { cwd: projectDir, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  let url: string | undefined;
  for await (const line of lines) {
    const match = /listening on (\S+)/.exec(line);
    if (match?.[1]) {
      url = match[1];
      break;
    }
  }
  if (!url) throw new Error('flagops sandbox exited before it listened');
  const base = url;
  const control = async (path: string, init?: RequestInit): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, init);
    if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  return {
    url: base,
    addFault: async (rule) => void (await control('/__sandbox/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) })),
    requests: async () => (await control('/__sandbox/requests')) as ServedRequest[],
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
