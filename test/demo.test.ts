import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cliEnv, startCli } from './helpers/cli.js';

describe('flagops demo', () => {
  it('starts the stack, prints working instructions, serves the seeded sandbox, and stops on SIGINT', async () => {
    const child = startCli(['demo'], cliEnv({ LOG_LEVEL: 'info', TEST_DATABASE_URL: process.env.TEST_DATABASE_URL, TEMPORAL_CLI: process.env.TEMPORAL_CLI }));
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + 120_000;
    while (!output.includes('worker started') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(output).toContain('flagops demo is running.');
    expect(output).toContain('npx flagops approve rollback-auto_invoke_matcher_on_intake_complete --as sd@example.com --yes');

    const sandboxUrl = /Sandbox:\s+(http:\/\/\S+)/.exec(output)?.[1];
    const token = /admin token (\S+)\)/.exec(output)?.[1];
    expect(sandboxUrl).toBeDefined();
    const response = await fetch(`${sandboxUrl}/api/v1/environments/X4CdBvak98wpn6Ljq7eUSs/featurestates/?feature_name=auto_invoke_matcher_on_intake_complete`, {
      headers: { Authorization: `Token ${token}` },
    });
    const body = (await response.json()) as { results: { enabled: boolean }[] };
    expect(body.results[0]?.enabled).toBe(true);
    expect(output).toMatch(/"documentSync":"on/);

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
