/**
 * The rollback commands' validation, as a user meets it: exit 2 with a message naming the option
 * or variable to fix, before anything connects or starts. Parsing runs the CLI in this process;
 * the connection errors run the real CLI as a subprocess.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, runCliInProcess, sampleConfig, writeConfigFile } from './helpers/cli.js';

const config = writeConfigFile(sampleConfig());
// Nothing listens on port 9: a command that got past validation would fail to connect (exit 1),
// so exit 2 proves the error was found first.
const env = cliEnv({ FLAGOPS_CONFIG: config, FLAGSMITH_ADMIN_TOKEN: 'tok', TEMPORAL_ADDRESS: '127.0.0.1:9' });
const base = ['rollback', 'auto_invoke_matcher_on_intake_complete', '--reason', 'matcher regression', '--incident', 'INC-1', '--as', 'ic@example.com'];

async function usage(args: string[], names: string, environment = env): Promise<void> {
  const result = await runCliInProcess(args, environment);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
  expect(result.stderr).toContain(names);
}

describe('flagops rollback: usage errors exit 2 naming what to fix', () => {
  it('a subset of environments without --partial-reason', async () => {
    await usage([...base, '--env', 'Production'], '--partial-reason is required with --env Production');
  });

  it('an environment the configuration does not have', async () => {
    await usage([...base, '--env', 'Staging', '--partial-reason', 'x'], '--env: unknown environment "Staging" (configured in flagsmith.environments: Production, Development)');
  });

  it('--partial-reason without --env, or with --env naming every environment', async () => {
    await usage([...base, '--partial-reason', 'only prod'], '--partial-reason: only with --env');
    await usage([...base, '--env', 'Production,Development', '--partial-reason', 'both'], '--partial-reason: only with --env naming a subset');
  });

  it('--enable together with --disable', async () => {
    await usage([...base, '--enable', '--disable'], "option '--enable' cannot be used with option '--disable'");
  });

  it('a --value that is not of its --value-type', async () => {
    await usage([...base, '--value', 'abc', '--value-type', 'int'], '--value:');
  });

  it('a --value-type outside unicode, int, bool', async () => {
    await usage([...base, '--value', '1', '--value-type', 'float'], "option '--value-type <type>' argument 'float' is invalid");
  });

  it('a --value-type without --value', async () => {
    await usage([...base, '--value-type', 'bool'], '--value-type: only with --value');
  });

  it('a duration that is not one', async () => {
    await usage([...base, '--cache-wait', 'soon'], '--cache-wait: not a duration: "soon"');
  });

  it('a --pr not shaped owner/repo#N', async () => {
    await usage([...base, '--pr', 'acme/backend-1094'], '--pr: owner/repo#N');
  });

  it('a --flag-on-at that is not an ISO date-time', async () => {
    await usage([...base, '--flag-on-at', 'yesterday'], '--flag-on-at:');
  });

  it('an empty --reason or --incident (both may be left out, not given empty)', async () => {
    await usage(['rollback', 'some_flag', '--reason', ' '], '--reason: must not be empty');
    await usage(['rollback', 'some_flag', '--incident', ''], '--incident: must not be empty');
  });

  it('no FLAGSMITH_ADMIN_TOKEN (SPEC §2 lists rollback among its users)', async () => {
    await usage(base, 'FLAGSMITH_ADMIN_TOKEN is not set (needed by flagops rollback)', cliEnv({ FLAGOPS_CONFIG: config, TEMPORAL_ADDRESS: '127.0.0.1:9' }));
  });

  it('no configuration file', async () => {
    await usage(base, 'FLAGOPS_CONFIG: cannot read /nonexistent/flagops.yaml', cliEnv({ FLAGOPS_CONFIG: '/nonexistent/flagops.yaml', FLAGSMITH_ADMIN_TOKEN: 'tok' }));
  });
});

describe('the signal commands: usage errors exit 2', () => {
  it('approve without a terminal needs --yes or --plan-hash', async () => {
    await usage(['approve', 'rollback-x', '--as', 'sd@example.com'], 'pass --yes (approve the plan shown) or --plan-hash');
  });

  it('approve takes --yes or --plan-hash, not both', async () => {
    await usage(['approve', 'rollback-x', '--as', 'sd@example.com', '--yes', '--plan-hash', 'abc'], 'cannot be used with');
  });

  it('approve, reject and resolve need --as', async () => {
    await usage(['approve', 'rollback-x', '--yes'], "required option '--as <user>' not specified");
    await usage(['reject', 'rollback-x', '--reason', 'no'], "required option '--as <user>' not specified");
    await usage(['resolve', 'rollback-x', '--action', 'retry'], "required option '--as <user>' not specified");
  });

  it('reject needs --reason; resolve needs one of retry, revert, accept', async () => {
    await usage(['reject', 'rollback-x', '--as', 'sd@example.com'], "required option '--reason <text>' not specified");
    await usage(['resolve', 'rollback-x', '--as', 'sd@example.com', '--action', 'undo'], "argument 'undo' is invalid. Allowed choices are retry, revert, accept");
  });

  it('list --limit must be a whole number', async () => {
    await usage(['list', '--limit', 'many'], '--limit: expected a whole number');
  });
});

describe('Temporal connection errors', () => {
  it('rollback without --reason and --incident passes validation (SPEC §6: both optional) and only then needs Temporal', async () => {
    const result = await runCli(['rollback', 'some_flag', '--as', 'ic@example.com'], env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('cannot reach Temporal at 127.0.0.1:9');
  });

  it('name TEMPORAL_ADDRESS and exit 1', async () => {
    const result = await runCli(['status', 'rollback-x'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach Temporal at 127.0.0.1:9 (set TEMPORAL_ADDRESS');
  });
});

describe('flagops setup-temporal --cloud', () => {
  it('prints the tcld command with every attribute, without connecting', async () => {
    const result = await runCliInProcess(['setup-temporal', '--cloud'], cliEnv({ TEMPORAL_ADDRESS: '127.0.0.1:9', TEMPORAL_NAMESPACE: 'flagops.a1b2c' }));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('tcld namespace search-attributes add --namespace flagops.a1b2c');
    for (const pair of ['FlagName=Keyword', 'FlagEnvironments=KeywordList', 'IncidentId=Keyword', 'RollbackStep=Keyword', 'RequestedBy=Keyword', 'ApprovedBy=Keyword', 'RollbackOutcome=Keyword']) {
      expect(result.stdout).toContain(`--search-attribute "${pair}"`);
    }
  });
});
