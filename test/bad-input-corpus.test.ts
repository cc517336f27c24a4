/**
 * The bad-input corpus: what a person can get wrong, counted and each asserted. Command lines run
 * through the real CLI in process (`main`), `flagops.yaml` through the loader, variables through
 * the worker's own start-up checks, and every message of the rollback as the Temporal UI or
 * `temporal workflow signal|update` sends it, against a running rollback on the real dev server.
 * Each case must end in a clear error (exit 2 naming what to fix) or a recorded refusal — never a
 * stack trace, a failed workflow task or run, a changed flag, or an echoed secret. Prints
 * `corpus: cases=N bad=B`.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/errors.js';
import { startRollback } from '../src/rollback/start.js';
import { approveSignal, approveUpdate, rejectUpdate, resolveUpdate, statusQuery } from '../workflows/rollback/messages.js';
import { runCliInProcess, sampleConfig, writeConfigFile } from './helpers/cli.js';
import { APPROVER, FLAG, REQUESTER, rollbackFixture, testInput, waitForStatus } from './helpers/rollback.js';
import { runWithWorker } from './helpers/temporal.js';

const SECRET_TOKEN = 'corpus-secret-token-5b1e';
const SECRET_PASSWORD = 'corpus-db-password-77c2';
const results: { group: string; name: string; bad: string | null }[] = [];

function record(group: string, name: string, bad: string | null): void {
  results.push({ group, name, bad });
}

afterAll(() => {
  const bad = results.filter((r) => r.bad !== null);
  for (const r of bad) console.log(`bad case: ${r.group} / ${r.name}: ${r.bad}`);
  // The figure the checks read (tests are otherwise quiet).
  console.log(`corpus: cases=${results.length} bad=${bad.length}`);
});

/** The CLI in this process (see `runCliInProcess`), its output as one text. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const result = await runCliInProcess(args, { PATH: process.env.PATH, HOME: process.env.HOME, ...env });
  return { code: result.code, out: `${result.stdout}${result.stderr}` };
}

/** The verdict on one CLI case: null when it is a clean usage error naming `names`. */
function judgeCli(result: { code: number; out: string }, names: RegExp): string | null {
  if (result.code !== 2) return `exit ${result.code}: ${result.out.slice(0, 300)}`;
  if (/\n\s+at \S+ \(|THROWN/.test(result.out)) return `stack trace: ${result.out.slice(0, 300)}`;
  if (result.out.includes(SECRET_TOKEN) || result.out.includes(SECRET_PASSWORD)) return 'echoed a secret';
  if (!names.test(result.out)) return `does not name ${names}: ${result.out.slice(0, 300)}`;
  return null;
}

const big = 'x'.repeat(100_000);
const config = writeConfigFile(sampleConfig());
const baseEnv = { FLAGOPS_CONFIG: config, FLAGSMITH_ADMIN_TOKEN: SECRET_TOKEN, TEMPORAL_ADDRESS: '127.0.0.1:9' };

/** [name, args, what the error must name, extra env]. */
const cliCases: [string, string[], RegExp, Record<string, string>?][] = [
  ['no command', [], /Usage: flagops/],
  ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['rollback without a flag', ['rollback'], /missing required argument 'flag'/],
  ['an empty flag', ['rollback', ''], /<flag>/],
  ['a blank flag', ['rollback', '   '], /<flag>/],
  ['a flag with a slash', ['rollback', 'a/b'], /<flag>/],
  ['a 100 kB flag', ['rollback', big], /<flag>/],
  ['an unknown option', ['rollback', FLAG, '--frobnicate'], /unknown option '--frobnicate'/],
  ['an unknown environment', ['rollback', FLAG, '--env', 'Staging', '--partial-reason', 'x'], /--env: unknown environment "Staging"/],
  ['an empty --env', ['rollback', FLAG, '--env', ','], /--env: name at least one environment/],
  ['a subset without --partial-reason', ['rollback', FLAG, '--env', 'Production'], /--partial-reason is required/],
  ['--partial-reason without --env', ['rollback', FLAG, '--partial-reason', 'why'], /--partial-reason: only with --env/],
  ['--enable with --disable', ['rollback', FLAG, '--enable', '--disable'], /--enable|--disable/],
  ['--value-type without --value', ['rollback', FLAG, '--value-type', 'int'], /--value-type: only with --value/],
  ['--value-type float', ['rollback', FLAG, '--value', '1', '--value-type', 'float'], /--value-type/],
  ['an int --value that is not one', ['rollback', FLAG, '--value', 'abc', '--value-type', 'int'], /--value:/],
  ['an int --value over 32 bits', ['rollback', FLAG, '--value', '99999999999', '--value-type', 'int'], /--value:/],
  ['a bool --value that is not one', ['rollback', FLAG, '--value', 'perhaps', '--value-type', 'bool'], /--value:/],
  ['a unit-less --cache-wait', ['rollback', FLAG, '--cache-wait', '5'], /--cache-wait: 5 has no unit/],
  ['a negative --cache-wait', ['rollback', FLAG, '--cache-wait', '-1s'], /--cache-wait: not a duration/],
  ['a huge --cache-wait', ['rollback', FLAG, '--cache-wait', '999999999999d'], /--cache-wait: .* more than the limit of 1h/],
  ['a --cache-wait over its bound', ['rollback', FLAG, '--cache-wait', '2h'], /--cache-wait: 2h is more than the limit of 1h/],
  ['an empty --cache-wait', ['rollback', FLAG, '--cache-wait', ''], /--cache-wait/],
  ['a --cache-wait in exponent form', ['rollback', FLAG, '--cache-wait', '1e3s'], /--cache-wait: not a duration/],
  ['a --cache-wait with two dots', ['rollback', FLAG, '--cache-wait', '1.5.2s'], /--cache-wait: not a duration/],
  ['a --cache-wait of a made-up unit', ['rollback', FLAG, '--cache-wait', '5y'], /--cache-wait: not a duration/],
  ['a huge --verify-timeout', ['rollback', FLAG, '--verify-timeout', '999999999999d'], /--verify-timeout: .* more than the limit/],
  ['a unit-less --verify-timeout', ['rollback', FLAG, '--verify-timeout', '30'], /--verify-timeout: 30 has no unit/],
  ['a huge --approval-timeout', ['rollback', FLAG, '--approval-timeout', '999999999999d'], /--approval-timeout: .* more than the limit of 7d/],
  ['a zero --approval-timeout', ['rollback', FLAG, '--approval-timeout', '0s'], /--approval-timeout: 0s is less than the minimum of 1s/],
  ['an --approval-timeout of 8 days', ['rollback', FLAG, '--approval-timeout', '8d'], /--approval-timeout: 8d is more than the limit of 7d/],
  ['a --pr with #0', ['rollback', FLAG, '--pr', 'acme/backend#0'], /--pr: owner\/repo#N/],
  ['a --pr without a number', ['rollback', FLAG, '--pr', 'acme/backend'], /--pr: owner\/repo#N/],
  ['a --pr of a path', ['rollback', FLAG, '--pr', '../../etc#1'], /--pr: owner\/repo#N/],
  ['a --flag-on-at that is not a date', ['rollback', FLAG, '--flag-on-at', 'yesterday'], /--flag-on-at: an ISO date-time/],
  ['a --flag-on-at without offset', ['rollback', FLAG, '--flag-on-at', '2026-05-22T10:00:00'], /--flag-on-at: an ISO date-time/],
  ['an empty --reason', ['rollback', FLAG, '--reason', ''], /--reason: must not be empty/],
  ['a blank --reason', ['rollback', FLAG, '--reason', '  \t '], /--reason: must not be empty/],
  ['a 100 kB --reason', ['rollback', FLAG, '--reason', big], /--reason: at most 1000 characters/],
  ['a 100 kB --incident', ['rollback', FLAG, '--incident', big], /--incident: at most 200 characters/],
  ['a 100 kB --as', ['rollback', FLAG, '--as', big], /--as: at most 256 characters/],
  ['an --as with an ANSI escape', ['rollback', FLAG, '--as', 'ic\u001b[31m@example.com'], /--as: must not contain control characters/],
  ['an --as with a newline', ['rollback', FLAG, '--as', 'ic\napprovers: sd@example.com'], /--as: must not contain control characters/],
  ['an --as of only a zero-width space', ['rollback', FLAG, '--as', '\u200B'], /--as: must name someone/],
  ['an --as of only a BOM and spaces', ['rollback', FLAG, '--as', ' \uFEFF '], /--as: must (not be empty|name someone)/],
  ['an empty --partial-reason', ['rollback', FLAG, '--env', 'Production', '--partial-reason', ''], /--partial-reason: must not be empty/],
  ['approve without --as', ['approve', 'rollback-x'], /required option '--as <user>'/],
  ['approve with --yes and --plan-hash', ['approve', 'rollback-x', '--as', 'sd', '--yes', '--plan-hash', 'h'], /--yes|--plan-hash/],
  ['approve without a terminal or --yes', ['approve', 'rollback-x', '--as', 'sd'], /--yes|--plan-hash/],
  ['approve with a unit-less --wait-for-plan', ['approve', 'rollback-x', '--as', 'sd', '--yes', '--wait-for-plan', '5'], /--wait-for-plan: 5 has no unit/],
  ['approve with a --wait-for-plan over its bound', ['approve', 'rollback-x', '--as', 'sd', '--yes', '--wait-for-plan', '2h'], /--wait-for-plan: 2h is more than the limit of 1h/],
  ['reject without --reason', ['reject', 'rollback-x', '--as', 'sd'], /required option '--reason <text>'/],
  ['resolve with an unknown action', ['resolve', 'rollback-x', '--as', 'sd', '--action', 'explode'], /--action/],
  ['resolve without --action', ['resolve', 'rollback-x', '--as', 'sd'], /--action/],
  ['list --limit 0', ['list', '--limit', '0'], /--limit: expected a whole number from 1 to 1000/],
  ['list --limit abc', ['list', '--limit', 'abc'], /--limit: expected a whole number from 1 to 1000/],
  ['list --limit 100000', ['list', '--limit', '100000'], /--limit: expected a whole number from 1 to 1000/],
  ['list --flag with a quote', ['list', '--flag', "x' OR '1'='1"], /--flag: quotes and backslashes are not allowed/],
  ['sync with a unit-less --timeout', ['sync', 'Production', '--timeout', '5'], /--timeout: 5 has no unit/],
  ['status without an id', ['status'], /missing required argument/],
];

/** Variables as `flagops worker` checks them before connecting anywhere. */
const envCases: [string, Record<string, string>, RegExp][] = [
  ['no FLAGSMITH_ADMIN_TOKEN', { FLAGSMITH_ADMIN_TOKEN: '' }, /FLAGSMITH_ADMIN_TOKEN is not set/],
  ['a token with spaces', { FLAGSMITH_ADMIN_TOKEN: 'two words here' }, /FLAGSMITH_ADMIN_TOKEN: expected/],
  ['no FLAGOPS_CONFIG file', { FLAGOPS_CONFIG: '/nonexistent/flagops.yaml' }, /FLAGOPS_CONFIG: cannot read/],
  ['a TEMPORAL_ADDRESS without a port', { TEMPORAL_ADDRESS: 'localhost' }, /TEMPORAL_ADDRESS: expected host:port/],
  ['a TEMPORAL_ADDRESS with two ports', { TEMPORAL_ADDRESS: 'localhost:7233:1' }, /TEMPORAL_ADDRESS: expected host:port/],
  ['a TEMPORAL_ADDRESS with port 0', { TEMPORAL_ADDRESS: 'localhost:0' }, /TEMPORAL_ADDRESS: expected host:port/],
  ['a TEMPORAL_ADDRESS with port 99999', { TEMPORAL_ADDRESS: 'localhost:99999' }, /TEMPORAL_ADDRESS: expected host:port/],
  ['a TEMPORAL_ADDRESS that is a URL', { TEMPORAL_ADDRESS: 'http://localhost:7233' }, /TEMPORAL_ADDRESS: expected host:port/],
  ['a TEMPORAL_NAMESPACE with a space', { TEMPORAL_NAMESPACE: 'my namespace' }, /TEMPORAL_NAMESPACE: not a namespace name/],
  ['TEMPORAL_TLS neither true nor false', { TEMPORAL_TLS: 'maybe' }, /TEMPORAL_TLS: expected true or false/],
  ['a TLS cert without its key', { TEMPORAL_TLS_CLIENT_CERT_PATH: '/tmp/cert.pem' }, /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/],
  ['a DATABASE_URL that is not a URL', { DATABASE_URL: `not a url ${SECRET_PASSWORD}` }, /DATABASE_URL: not a URL/],
  ['a DATABASE_URL of another scheme', { DATABASE_URL: `mysql://u:${SECRET_PASSWORD}@h/db` }, /DATABASE_URL: expected a postgres:\/\/ URL/],
  ['a FLAGOPS_DATABASE_URL of another scheme', { FLAGOPS_DATABASE_URL: `redis://u:${SECRET_PASSWORD}@h` }, /FLAGOPS_DATABASE_URL: expected a postgres:\/\/ URL/],
  ['a SLACK_WEBHOOK_URL that is not http(s)', { SLACK_WEBHOOK_URL: `file:///${SECRET_PASSWORD}` }, /SLACK_WEBHOOK_URL: expected an http\(s\) URL/],
  ['a METRICS_PORT that is not a port', { METRICS_PORT: '70000' }, /METRICS_PORT: expected a port number/],
  ['a LOG_LEVEL nobody knows', { LOG_LEVEL: 'loud' }, /LOG_LEVEL: expected trace/],
  ['a FLAGOPS_BUILD_ID with spaces', { FLAGOPS_BUILD_ID: 'build one' }, /FLAGOPS_BUILD_ID: letters, digits/],
  ['FLAGOPS_DEPLOYMENT_NAME without FLAGOPS_BUILD_ID', { FLAGOPS_DEPLOYMENT_NAME: 'flagops' }, /FLAGOPS_DEPLOYMENT_NAME is set without FLAGOPS_BUILD_ID/],
  ['a FLAGSMITH_API_URL with a password, unparsable', { FLAGSMITH_API_URL: `http://u:${SECRET_PASSWORD}@[bad` }, /FLAGSMITH_API_URL: not a URL/],
];

describe('the command line', () => {
  it(`${cliCases.length} bad command lines each exit 2 naming what to fix`, async () => {
    for (const [name, args, names, env] of cliCases) record('cli', name, judgeCli(await cli(args, { ...baseEnv, ...env }), names));
    expect(results.filter((r) => r.group === 'cli' && r.bad !== null)).toEqual([]);
  });

  it(`${envCases.length} bad variables each stop the worker before it connects, exit 2 naming the variable`, async () => {
    for (const [name, env, names] of envCases) record('env', name, judgeCli(await cli(['worker'], { ...baseEnv, ...env }), names));
    expect(results.filter((r) => r.group === 'env' && r.bad !== null)).toEqual([]);
  });
});

describe('flagops.yaml', () => {
  const base = () => JSON.parse(JSON.stringify(sampleConfig())) as Record<string, Record<string, unknown>>;
  const patched = (fn: (c: Record<string, Record<string, unknown>>) => void) => {
    const c = base();
    fn(c);
    return c;
  };
  const environments = (c: Record<string, Record<string, unknown>>) => c.flagsmith?.environments as Record<string, unknown>[];
  const yamlCases: [string, unknown, RegExp][] = [
    ['an empty file', null, /flagsmith/],
    ['no flagsmith section', { approval: { approvers: ['sd'] } }, /flagsmith/],
    ['no projectId', patched((c) => delete c.flagsmith?.projectId), /flagsmith\.projectId/],
    ['a projectId that is text', patched((c) => ((c.flagsmith ?? {}).projectId = 'abc')), /flagsmith\.projectId/],
    ['a negative projectId', patched((c) => ((c.flagsmith ?? {}).projectId = -4)), /flagsmith\.projectId/],
    ['no environments', patched((c) => delete c.flagsmith?.environments), /flagsmith\.environments/],
    ['an empty environment list', patched((c) => ((c.flagsmith ?? {}).environments = [])), /flagsmith\.environments/],
    ['an environment without an id', patched((c) => delete environments(c)[0]?.id), /environments\.0\.id/],
    ['an environment id that is text', patched((c) => ((environments(c)[0] ?? {}).id = 'prod')), /environments\.0\.id/],
    ['an apiKey that is a number', patched((c) => ((environments(c)[0] ?? {}).apiKey = 5)), /environments\.0\.apiKey/],
    ['an unknown key on an environment', patched((c) => ((environments(c)[0] ?? {}).colour = 'red')), /colour|unrecognized|Unrecognized/i],
    ['an unknown top-level key', patched((c) => (c.frobnicate = {})), /frobnicate|unrecognized|Unrecognized/i],
    ['an unknown key under flagsmith', patched((c) => ((c.flagsmith ?? {}).token = 'x')), /token|unrecognized|Unrecognized/i],
    ['two environments named alike', patched((c) => environments(c).push({ name: 'production', id: 1, apiKey: 'k1' })), /duplicates environments\.0\.name/],
    ['two environments with one id', patched((c) => environments(c).push({ name: 'Staging', id: 85219, apiKey: 'k1' })), /duplicates environments\.0\.id/],
    ['two environments with one api key', patched((c) => environments(c).push({ name: 'Staging', id: 9, apiKey: 'X4CdBvak98wpn6Ljq7eUSs' })), /duplicates environments\.0\.apiKey/],
    ['an apiUrl that is not http(s)', patched((c) => ((c.flagsmith ?? {}).apiUrl = 'file:///etc/passwd')), /apiUrl: an http\(s\) URL/],
    ['an sdkUrl that is not a URL', patched((c) => ((c.flagsmith ?? {}).sdkUrl = 'edge')), /sdkUrl/],
    ['approvers that are text', patched((c) => ((c.approval ?? {}).approvers = 'sd@example.com')), /approval\.approvers/],
    ['no approvers', patched((c) => ((c.approval ?? {}).approvers = [])), /approval\.approvers/],
    ['a blank approver', patched((c) => ((c.approval ?? {}).approvers = ['  '])), /approval\.approvers\.0: must name someone/],
    ['an approver of only a zero-width space', patched((c) => ((c.approval ?? {}).approvers = ['\u200B'])), /approval\.approvers\.0: must name someone/],
    ['an approver with a control character', patched((c) => ((c.approval ?? {}).approvers = ['sd\u0007'])), /approval\.approvers\.0: must not contain control characters/],
    ['distinctFromRequester that is text', patched((c) => ((c.approval ?? {}).distinctFromRequester = 'yes')), /distinctFromRequester/],
    ['approval.timeout 0s', patched((c) => ((c.approval ?? {}).timeout = '0s')), /approval\.timeout: 0s is less than the minimum/],
    ['approval.timeout without a unit', patched((c) => ((c.approval ?? {}).timeout = 30)), /approval\.timeout: 30 has no unit/],
    ['approval.timeout of a year', patched((c) => ((c.approval ?? {}).timeout = '365d')), /approval\.timeout: 365d is more than the limit of 7d/],
    ['rollback.cacheWait as text', patched((c) => (c.rollback = { cacheWait: 'a minute' })), /rollback\.cacheWait: not a duration/],
    ['rollback.verifyTimeout huge', patched((c) => (c.rollback = { verifyTimeout: '999999999999d' })), /rollback\.verifyTimeout: .* more than the limit/],
    ['documentSync.maxAttempts 0', patched((c) => (c.documentSync = { maxAttempts: 0 })), /documentSync\.maxAttempts/],
    ['documentSync.maxAttempts 31', patched((c) => (c.documentSync = { maxAttempts: 31 })), /documentSync\.maxAttempts/],
    ['documentSync.backoffBase without a unit', patched((c) => (c.documentSync = { backoffBase: '1' })), /documentSync\.backoffBase: 1 has no unit/],
    ['documentSync.reconcileEvery of a week', patched((c) => (c.documentSync = { reconcileEvery: '7d' })), /documentSync\.reconcileEvery: 7d is more than the limit of 1d/],
    ['a flag with unknown semantics', patched((c) => (c.flags = { f: { semantics: 'sideways' } })), /flags\.f\.semantics/],
    ['a cohort without sql', patched((c) => (c.flags = { f: { cohort: { idColumn: 'id' } } })), /flags\.f\.cohort\.sql/],
    ['a cohort with empty sql', patched((c) => (c.flags = { f: { cohort: { sql: '' } } })), /flags\.f\.cohort\.sql/],
    ['a cohort with an unknown parameter', patched((c) => (c.flags = { f: { cohort: { sql: 'SELECT 1 AS id', params: ['tenant'] } } })), /flags\.f\.cohort\.params/],
    ['a probe to a file: URL', patched((c) => (c.flags = { f: { probe: { url: 'file:///etc/passwd', expectJsonPath: '$.on', expectValue: false } } })), /probe url: an http\(s\) URL/],
    ['a probe with a JSON path that is not one', patched((c) => (c.flags = { f: { probe: { url: 'https://b.example.com', expectJsonPath: 'enabled', expectValue: false } } })), /expectJsonPath/],
    ['an unknown key on a flag', patched((c) => (c.flags = { f: { semantic: 'asymmetric' } })), /semantic|unrecognized|Unrecognized/i],
  ];
  const syntaxCases: [string, string, RegExp][] = [
    ['a tab for indentation', 'flagsmith:\n\tprojectId: 1\n', /not valid YAML/],
    ['an unclosed bracket', 'flagsmith: { projectId: 1\n', /not valid YAML/],
    ['a bad indentation', 'flagsmith:\n  projectId: 1\n environments: []\n', /not valid YAML/],
    ['a duplicated key', 'flagsmith:\n  projectId: 1\n  projectId: 2\n', /not valid YAML/],
    ['a list where a mapping belongs', '- one\n- two\n', /flagsmith|expected/i],
    ['a bare scalar', 'hello\n', /flagsmith|expected/i],
  ];

  it(`${yamlCases.length + syntaxCases.length} bad configurations each refused naming the key`, async () => {
    for (const [name, document, names] of yamlCases) {
      let verdict: string | null = 'accepted';
      try {
        parseConfig(document, 'flagops.yaml', {});
      } catch (error) {
        verdict = error instanceof ConfigError ? (names.test(error.message) ? null : `does not name ${names}: ${error.message}`) : `not a ConfigError: ${String(error)}`;
      }
      record('yaml', name, verdict);
    }
    for (const [name, text, names] of syntaxCases) {
      record('yaml', name, judgeCli(await cli(['worker'], { ...baseEnv, FLAGOPS_CONFIG: writeConfigFile(text) }), names));
    }
    expect(results.filter((r) => r.group === 'yaml' && r.bad !== null)).toEqual([]);
  });
});

describe('messages of a running rollback', async () => {
  const fx = await rollbackFixture();
  const deep = (depth: number): unknown => (depth === 0 ? { by: APPROVER } : { inner: deep(depth - 1) });
  const payloads: [string, unknown][] = [
    ['null', null],
    ['an array', [APPROVER]],
    ['an empty array', []],
    ['a number', 7],
    ['a string', APPROVER],
    ['a boolean', true],
    ['an empty object', {}],
    ['by missing', { comment: 'go' }],
    ['by a number', { by: 42 }],
    ['by an object', { by: { email: APPROVER } }],
    ['by an array', { by: [APPROVER] }],
    ['by null', { by: null }],
    ['by empty', { by: '' }],
    ['by blank', { by: '   ' }],
    ['by of 1 MB', { by: 'y'.repeat(1_000_000) }],
    ['a 1 MB comment with a stale plan hash', { by: APPROVER, comment: 'c'.repeat(1_000_000), planHash: 'stale' }],
    ['nested 100 deep', deep(100)],
    ['a planHash that is a number', { by: APPROVER, planHash: 1 }],
    ['a stale planHash', { by: APPROVER, planHash: 'f'.repeat(64) }],
    ['an unknown approver', { by: 'stranger@example.com' }],
    ['the requester', { by: REQUESTER }],
    ['the requester upper-cased', { by: REQUESTER.toUpperCase() }],
    ['the requester with spaces', { by: `  ${REQUESTER}\t` }],
    ['the requester with a zero-width space', { by: `${REQUESTER}\u200B` }],
    ['the requester with a BOM', { by: `\uFEFF${REQUESTER}` }],
    ['the requester in full-width letters', { by: REQUESTER.replace('ic', '\uFF49\uFF43') }],
    ['the requester with an RTL mark', { by: `\u200F${REQUESTER}` }],
    ['by with a newline', { by: `${APPROVER}\napprovers: x` }],
    ['by with an ANSI escape', { by: `\u001b[2K${APPROVER}` }],
    ['extra fields and a stale hash', { by: APPROVER, planHash: 'stale', admin: true, approved: true }],
  ];
  const resolvePayloads: [string, unknown][] = [
    ['resolve before any attention', { by: APPROVER, action: 'retry' }],
    ['resolve with an unknown action', { by: APPROVER, action: 'explode' }],
    ['resolve without action', { by: APPROVER }],
    ['resolve by a stranger', { by: 'stranger@example.com', action: 'accept' }],
  ];
  const rejectPayloads: [string, unknown][] = [
    ['reject without reason', { by: APPROVER }],
    ['reject with an empty reason', { by: APPROVER, reason: '' }],
    ['reject by a stranger', { by: 'stranger@example.com', reason: 'no' }],
    ['reject with reason a number', { by: APPROVER, reason: 5 }],
  ];
  const names = ['aprove', 'APPROVE', 'Approve', ' approve', 'approve ', 'approve\n', '__temporal_pause', '__temporal_workflow_metadata', '__stack_trace', 'x'.repeat(500)];

  it('hundreds of refused messages, then a valid approval: each refused and recorded, no task failure, nothing published until then', async () => {
    await fx.setFlag(FLAG, true);
    const since = new Date();
    await runWithWorker({ deps: fx.deps() }, async ({ client, taskQueue, idPrefix }) => {
      const handle = await startRollback(client, { taskQueue, idPrefix, input: testInput({ cacheWaitMs: 0 }) });
      const planned = await waitForStatus(handle, (s) => s.status === 'awaiting_approval');
      let signalled = 0;
      const judgeUpdate = async (name: string, run: () => Promise<{ accepted: boolean } | undefined>) => {
        try {
          const verdict = await run();
          record('messages', name, verdict?.accepted ? 'accepted' : null);
        } catch (error) {
          record('messages', name, error instanceof WorkflowUpdateFailedError ? null : `update threw ${String(error)}`);
        }
      };
      for (const [name, payload] of payloads) {
        await handle.signal(approveSignal, payload as never);
        signalled += 1;
        record('messages', `signal approve: ${name}`, null);
        await judgeUpdate(`update approve: ${name}`, () => handle.executeUpdate(approveUpdate, { args: [payload as never] }));
      }
      for (const [name, payload] of rejectPayloads) {
        await handle.signal('reject', payload);
        signalled += 1;
        record('messages', `signal ${name}`, null);
        await judgeUpdate(`update ${name}`, () => handle.executeUpdate(rejectUpdate, { args: [payload as never] }));
      }
      for (const [name, payload] of resolvePayloads) {
        await handle.signal('resolve', payload);
        signalled += 1;
        record('messages', `signal ${name}`, null);
        await judgeUpdate(`update ${name}`, () => handle.executeUpdate(resolveUpdate, { args: [payload as never] }));
      }
      for (const name of names) {
        await handle.signal(name, { by: APPROVER });
        signalled += 1;
        record('messages', `signal named ${JSON.stringify(name.slice(0, 30))}`, null);
        await judgeUpdate(`update named ${JSON.stringify(name.slice(0, 30))}`, () => handle.executeUpdate<{ accepted: boolean }, [{ by: string }]>(name, { args: [{ by: APPROVER }] }));
      }
      // 500 refused messages in a row (the refusal list stays bounded), then a valid approval.
      for (let i = 0; i < 500; i++) await handle.signal(approveSignal, { by: `nobody-${i}@example.com` });
      signalled += 500;
      record('messages', '500 refused approvals in a row', null);
      const status = await handle.query(statusQuery);
      const recorded = status.refusals.length + status.refusalsDropped;
      // Every signal was recorded (business refusals of Updates are recorded too).
      if (recorded < signalled) record('messages', 'every signal recorded', `${recorded} recorded of ${signalled} signals`);
      if (status.refusals.length > 50) record('messages', 'refusals bounded', `${status.refusals.length} kept`);
      if (status.approvals.length > 0 || status.status !== 'awaiting_approval') record('messages', 'nothing decided', JSON.stringify(status.approvals));
      if ((await fx.versionsSince(since)).length > 0) record('messages', 'nothing published', 'a version was created before approval');

      await handle.signal(approveSignal, { by: ` ${APPROVER.toUpperCase()} `, planHash: planned.plan?.planHash });
      const result = await handle.result();
      record('messages', 'a valid approval after all that completes', result.status === 'completed' ? null : result.status);
      const events = (await handle.fetchHistory()).events ?? [];
      const failedTasks = events.filter((e) => e.workflowTaskFailedEventAttributes).length;
      record('messages', 'no workflow task failed', failedTasks === 0 ? null : `${failedTasks} failed tasks`);
      expect(results.filter((r) => r.group === 'messages' && r.bad !== null)).toEqual([]);
    });
  });

  it('the corpus is at least 150 cases, none bad', () => {
    expect(results.length).toBeGreaterThanOrEqual(150);
    expect(results.filter((r) => r.bad !== null)).toEqual([]);
  });
});
