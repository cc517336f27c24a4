/**
 * Run the real `flagops` CLI as a subprocess (bin/flagops.mjs), or in this process (`main`) for
 * the tests that only check argument and configuration parsing, with an environment built from
 * scratch per call so one test's variables never leak into another's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { seed002FlagsmithConfig } from '../../src/devtools/seed-002.js';

export const binPath = fileURLToPath(new URL('../../bin/flagops.mjs', import.meta.url));

/** Only what a shell would give a user: PATH and HOME, plus the test's own variables. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, input?: string): ChildProcess {
  const child = spawn(process.execPath, [binPath, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  return child;
}

/** Run to completion (killed after `timeoutMs`). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, options: { timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  const child = startCli(args, env, options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Write a flagops.yaml into a fresh temporary directory and return its path. */
export function writeConfigFile(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'flagops-cfg-'));
  const path = join(dir, 'flagops.yaml');
  writeFileSync(path, typeof config === 'string' ? config : stringify(config));
  return path;
}

/** A minimal valid configuration shaped like seed 002's (tests override pieces). */
export function sampleConfig(overrides: { apiUrl?: string } = {}) {
  return {
    flagsmith: seed002FlagsmithConfig(overrides.apiUrl ?? 'http://127.0.0.1:9'),
    approval: { approvers: ['sd@example.com'], distinctFromRequester: true, timeout: '30m' },
  };
}

/**
 * Run the CLI's `main` in this process with `env` as its whole environment, capturing what it
 * writes: for tests of parsing and validation, which need no subprocess (a spawn costs a Node
 * start). A thrown error is reported as exit -1 with its stack in `stderr`.
 */
export async function runCliInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult & { code: number }> {
  const saved = { env: process.env, out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr), exitCode: process.exitCode };
  let stdout = '';
  let stderr = '';
  const text = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  process.env = { ...env };
  process.stdout.write = (chunk: string | Uint8Array) => ((stdout += text(chunk)), true);
  process.stderr.write = (chunk: string | Uint8Array) => ((stderr += text(chunk)), true);
  try {
    return { code: await main(['node', 'flagops', ...args]), stdout, stderr };
  } catch (error) {
    return { code: -1, stdout, stderr: `${stderr}\nTHROWN ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.env = saved.env;
    process.exitCode = saved.exitCode;
  }
}
