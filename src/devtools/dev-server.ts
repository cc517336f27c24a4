/**
 * Start and stop a real Temporal dev server (`temporal server start-dev`) for tests, benchmarks
 * and the demo. The CLI binary is resolved (and built once, if needed) by scripts/temporal-cli.sh.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { projectDir } from '../paths.js';
import { Connection } from '@temporalio/client';
import { searchAttributes } from '../temporal/search-attributes.js';
import { stopChild } from './child-process.js';

// Re-exported for existing importers; the declaration lives with the other Temporal settings.
export { searchAttributes };

const repoRoot = `${projectDir}/`;

/** Path of the `temporal` CLI, building it with Go on first use (see the script). */
export function resolveTemporalCli(): string {
  const out = execFileSync('bash', [`${repoRoot}scripts/temporal-cli.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = out.trim().split('\n').pop();
  if (!path) throw new Error('scripts/temporal-cli.sh printed no path');
  return path;
}

/** A free TCP port on loopback (the OS picks it; a tiny race with other starters is acceptable). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface DevServer {
  address: string;
  /** Stop the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Stop and start again on the same port and database file (only meaningful with `dbFilename`). */
  restart(): Promise<void>;
}

export interface DevServerOptions {
  cli?: string;
  port?: number;
  /** Persist to this SQLite file so a restart keeps workflows (default: in memory). */
  dbFilename?: string;
  /** How long to wait for the frontend to answer; the SDK's fixed 5 s flakes on 2 loaded cores. */
  readyTimeoutMs?: number;
  /** Serve the Temporal Web UI on this port (default: headless). */
  uiPort?: number;
  log?: (line: string) => void;
  /** Its own process group, so a Ctrl-C in the terminal reaches only its starter (the demo stops it last). */
  detached?: boolean;
}

async function waitUntilReady(address: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

/** Start a dev server with the search attributes registered and wait until it answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = options.cli ?? resolveTemporalCli();
  const port = options.port ?? (await freePort());
  const httpPort = await freePort();
  const metricsPort = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    ...(options.uiPort ? ['--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1'] : ['--headless']),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--log-level',
    'error',
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    ...Object.entries(searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached ?? false });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => options.log?.(chunk));
    await waitUntilReady(address, options.readyTimeoutMs ?? 60_000, child);
  };
  const stop = () => stopChild(child, 'SIGTERM', 10_000);
  await launch();
  return {
    address,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
