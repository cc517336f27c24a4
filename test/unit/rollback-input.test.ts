/**
 * The one input schema of `flagRollback`, the `owner/repo#N` reader and the duration rules,
 * through the CLI's option parser (in process: no spawn, no server) and directly.
 */
import { describe, expect, it } from 'vitest';
import { parseRollbackOptions } from '../../src/cli/rollback-options.js';
import { checkDuration, durationLimits, parseDuration } from '../../src/config/duration.js';
import { parseConfig } from '../../src/config/load.js';
import { parsePullRequestRef } from '../../src/github/pull-request.js';
import { parseRollbackInput, rollbackInputProblems } from '../../src/rollback/input.js';

const config = parseConfig(
  {
    flagsmith: {
      projectId: 36214,
      environments: [
        { name: 'Production', id: 85219, apiKey: 'X4CdBvak98wpn6Ljq7eUSs' },
        { name: 'Development', id: 85220, apiKey: 'SCE375zGzViFpGZhWoiK7D' },
      ],
    },
    approval: { approvers: ['sd@example.com'] },
  },
  'test',
  {},
);

const cli = (options: Record<string, unknown>, flag = 'auto_invoke_matcher_on_intake_complete') => () => parseRollbackOptions(flag, options, config, 'ic');

describe('rollback options → input', () => {
  it('--overrides passes keep, disable or remove and names itself for anything else; absent, the input leaves it to the worker', () => {
    expect(cli({ overrides: 'disable' })().input.overrides).toBe('disable');
    expect(cli({})().input.overrides).toBeUndefined();
    expect(cli({ overrides: 'off' })).toThrow('--overrides: one of keep, disable, remove');
    expect(rollbackInputProblems({ flag: 'f', requestedBy: 'ic', overrides: 'nuke' })).toEqual([{ field: 'overrides', message: 'one of keep, disable, remove' }]);
  });

  it('durations need a unit and stay within their documented bounds', () => {
    expect(cli({ cacheWait: '5' })).toThrow('--cache-wait: 5 has no unit (write e.g. 5s or 5ms)');
    expect(cli({ cacheWait: '999999999999d' })).toThrow('--cache-wait: 999999999999d is more than the limit of 1h');
    expect(cli({ verifyTimeout: '999999999999d' })).toThrow('--verify-timeout: 999999999999d is more than the limit of 1h');
    expect(cli({ approvalTimeout: '999999999999d' })).toThrow('--approval-timeout: 999999999999d is more than the limit of 7d');
    expect(cli({ approvalTimeout: '0s' })).toThrow('--approval-timeout: 0s is less than the minimum of 1s');
    expect(cli({ cacheWait: 'soon' })).toThrow('--cache-wait: not a duration: "soon"');
    expect(cli({ cacheWait: '1h', approvalTimeout: '7d', verifyTimeout: '5m' })().input).toMatchObject({
      cacheWaitMs: 3_600_000,
      approvalTimeoutMs: 7 * 86_400_000,
      verifyTimeoutMs: 300_000,
    });
  });

  it('the rules of the one schema, named by their flags', () => {
    expect(cli({ pr: 'acme/backend#0' })).toThrow('--pr: owner/repo#N');
    expect(cli({ pr: 'acme/backend#12' })().input.pr).toBe('acme/backend#12');
    expect(cli({ reason: '   ' })).toThrow('--reason: must not be empty');
    expect(cli({ as: 'ic\u0007@example.com' })).toThrow('--as: must not contain control characters');
    expect(cli({ as: '\u200B' })).toThrow('--as: must name someone');
    expect(cli({ incident: 'x'.repeat(201) })).toThrow('--incident: at most 200 characters');
    expect(cli({}, 'has space')).toThrow('<flag>: a flag name without spaces or slashes');
  });
});

describe('rollbackInputSchema (what the starter and the plan activity apply)', () => {
  const valid = { flag: 'f', requestedBy: 'ic@example.com' };
  it('accepts the minimum and refuses what the workflow could not represent', () => {
    expect(rollbackInputProblems(valid)).toEqual([]);
    expect(rollbackInputProblems({ ...valid, cacheWaitMs: 8.64e15 })).toEqual([{ field: 'cacheWaitMs', message: 'at most 1h' }]);
    expect(rollbackInputProblems({ ...valid, attentionTimeoutMs: -1 })).toEqual([{ field: 'attentionTimeoutMs', message: 'at least 1s' }]);
    expect(rollbackInputProblems({ ...valid, approvalTimeoutMs: Number.NaN })[0]?.field).toBe('approvalTimeoutMs');
    expect(rollbackInputProblems({ ...valid, activityTimeouts: { startToCloseMs: 1e12 } })).toEqual([{ field: 'activityTimeouts.startToCloseMs', message: 'at most 10m' }]);
    expect(rollbackInputProblems({ ...valid, surprise: true })).toEqual([{ field: '(input)', message: 'unknown field(s): surprise' }]);
    expect(rollbackInputProblems({ flag: 'f' })[0]?.field).toBe('requestedBy');
    expect(() => parseRollbackInput({ ...valid, pr: 'a/b#0' })).toThrow('pr: owner/repo#N');
  });
});

describe('owner/repo#N', () => {
  it('one reader for the CLI, the starter and the notify activity', () => {
    expect(parsePullRequestRef('curaway/backend#1088')).toEqual({ owner: 'curaway', repo: 'backend', number: 1088 });
    for (const bad of ['a/b#0', 'a/b#', 'a/b', 'a#1', '/b#1', 'a/b#01', 'a/b/c#1', 'a b/c#1', '../b#1', 'a/b#99999999999']) {
      expect(parsePullRequestRef(bad), bad).toBeNull();
    }
  });
});

describe('durations', () => {
  it('a unit is required; the limits are documented in one table', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1500')).toBeUndefined();
    expect(checkDuration(30, durationLimits.cacheWait)).toEqual({ ok: false, reason: '30 has no unit (write e.g. 30s or 30ms)' });
    expect(checkDuration('2h', durationLimits.cacheWait)).toEqual({ ok: false, reason: '2h is more than the limit of 1h' });
    expect(checkDuration('60s', durationLimits.cacheWait)).toEqual({ ok: true, ms: 60_000 });
  });
});
