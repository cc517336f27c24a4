import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { projectDir } from '../src/paths.js';
import { main } from '../src/cli/main.js';
import { cliEnv, runCli, runCliInProcess, sampleConfig, writeConfigFile } from './helpers/cli.js';

describe('the flagops CLI', () => {
  it('prints help for every command and exits 0', async () => {
    const names = buildProgram().commands.map((command) => command.name());
    expect(names).toContain('worker');
    for (const name of names) {
      const result = await runCliInProcess([name, '--help'], cliEnv());
      expect(result.code, `${name} --help`).toBe(0);
      expect(result.stdout).toContain(`Usage: flagops ${name}`);
    }
  });

  it('exits 2 without a command, and for an unknown command', async () => {
    expect((await runCli([], cliEnv())).code).toBe(2);
    const unknown = await runCli(['frobnicate'], cliEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 2 naming FLAGOPS_CONFIG when the worker has no configuration', async () => {
    const result = await runCli(['worker'], cliEnv({ FLAGOPS_CONFIG: '/nonexistent/flagops.yaml' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FLAGOPS_CONFIG: cannot read /nonexistent/flagops.yaml');
  });

  it('exits 2 naming SLACK_WEBHOOK_URL when it is not a URL, without repeating the (secret) value and before connecting', async () => {
    const secret = 'hooks.slack.com/services/T000/B000/notAUrlSecret';
    // TEMPORAL_ADDRESS points nowhere: a connection attempt would fail differently (exit 1).
    const result = await runCliInProcess(
      ['worker'],
      cliEnv({ FLAGOPS_CONFIG: writeConfigFile(sampleConfig()), FLAGSMITH_ADMIN_TOKEN: 'tok', SLACK_WEBHOOK_URL: secret, TEMPORAL_ADDRESS: '127.0.0.1:9', METRICS_PORT: '0' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLACK_WEBHOOK_URL: not a URL (expected an http(s) URL)');
    expect(result.stderr).not.toContain('notAUrlSecret');
  });

  it('exits 2 naming GITHUB_API_URL when it is not an http(s) URL', async () => {
    const result = await runCliInProcess(
      ['worker'],
      cliEnv({ FLAGOPS_CONFIG: writeConfigFile(sampleConfig()), FLAGSMITH_ADMIN_TOKEN: 'tok', GITHUB_API_URL: 'ftp://github.example.com', TEMPORAL_ADDRESS: '127.0.0.1:9', METRICS_PORT: '0' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GITHUB_API_URL: expected an http(s) URL, not ftp:');
  });

  it('--json makes errors one JSON document on stdout: usage errors (exit 2) and failures (exit 1)', async () => {
    const usage = await runCliInProcess(['status', '--json', '--bogus'], cliEnv());
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { message: "unknown option '--bogus'", exitCode: 2 } });
    const failure = await runCliInProcess(['rollback', 'f', '--json', '--as', 'ic@example.com'], cliEnv({ FLAGOPS_CONFIG: '/nonexistent/flagops.yaml' }));
    expect(failure.code).toBe(2);
    const parsed = JSON.parse(failure.stdout) as { error: { message: string; exitCode: number } };
    expect(parsed.error.exitCode).toBe(2);
    expect(parsed.error.message).toContain('FLAGOPS_CONFIG');
    expect(failure.stderr).toBe('');
  });

  it('--no-color, anywhere on the line, sets NO_COLOR for the command it runs', async () => {
    const saved = process.env;
    const write = process.stdout.write.bind(process.stdout);
    const seen: (string | undefined)[] = [];
    try {
      for (const argv of [['--no-color', 'completion', 'fish'], ['completion', 'fish', '--no-color'], ['completion', 'fish']]) {
        process.env = { ...saved, NO_COLOR: undefined };
        process.stdout.write = () => true;
        await main(['node', 'flagops', ...argv]);
        process.stdout.write = write;
        seen.push(process.env.NO_COLOR);
      }
    } finally {
      process.stdout.write = write;
      process.env = saved;
      process.exitCode = undefined;
    }
    expect(seen).toEqual(['1', '1', undefined]);
  });

  it('--version prints the package version', async () => {
    const result = await runCliInProcess(['--version'], cliEnv());
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe((JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('completion prints bash, zsh and fish scripts naming every command, and refuses another shell naming the choices', async () => {
    const names = buildProgram().commands.map((command) => command.name());
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await runCliInProcess(['completion', shell], cliEnv());
      expect(result.code, shell).toBe(0);
      for (const name of names) expect(result.stdout, `${shell}: ${name}`).toContain(name);
    }
    const unknown = await runCliInProcess(['completion', 'tcsh'], cliEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown shell "tcsh" (expected bash, zsh or fish)');
  });

  it('the bash completion completes commands and their options in a real bash', async () => {
    const script = (await runCliInProcess(['completion', 'bash'], cliEnv())).stdout;
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _flagops; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' })
        .trim()
        .split('\n');
    expect(complete('flagops ro')).toEqual(['rollback']);
    expect(complete('flagops rollback --partial')).toEqual(['--partial-reason']);
    expect(complete('flagops status --j')).toEqual(['--json']);
  });
});
