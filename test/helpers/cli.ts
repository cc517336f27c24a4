/**
 * Run the real `flagops` CLI as a subprocess (bin/flagops.mjs), with an environment built from
 * scratch per call so one test's variables never leak into another's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
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
