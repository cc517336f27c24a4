import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { cliEnv, runCli } from './helpers/cli.js';

describe('the flagops CLI', () => {
  it('prints help for every command and exits 0', async () => {
    const names = buildProgram().commands.map((command) => command.name());
    expect(names).toContain('worker');
    for (const name of names) {
      const result = await runCli([name, '--help'], cliEnv());
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
});
