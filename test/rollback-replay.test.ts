/**
 * Replays the committed histories (`test/histories/`, recorded by `record.ts`, never regenerated
 * by the tests) against today's workflow code: one per branch of the rollback, the document sync
 * and the tailer, plus a history recorded by the code before the per-environment state machine.
 * A non-deterministic change fails here, not in production; the negative cases prove it would.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { TAIL_BY_LONG_POLL_PATCH } from '../workflows/audit-log-tailer.js';
import { COALESCE_BURSTS_PATCH } from '../workflows/environment-document-sync.js';
import { APPROVAL_NOTICE_PATCH } from '../workflows/rollback/announce.js';
import { ONE_DECISION_PATCH } from '../workflows/rollback/approval.js';
import { SETTLED_PLAN_PATCH, UNCHANGED_PLAN_PATCH } from '../workflows/rollback/plan.js';
import { nextBuildBundle } from './helpers/next-build.js';
import { quietRuntime, workflowBundle } from './helpers/temporal.js';

quietRuntime();
const root = fileURLToPath(new URL('./histories/', import.meta.url));

function histories(dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return histories(path);
    return name.endsWith('.json') ? [relative(root, path)] : [];
  });
}

function load(name: string) {
  return historyFromJSON(JSON.parse(readFileSync(join(root, name), 'utf8')) as unknown);
}

const replay = (bundle: WorkflowBundleWithSourceMap, name: string) => Worker.runReplayHistory({ workflowBundle: bundle }, load(name), `replay-${name}`);

/** Every branch the versioning rule (README, "Changing workflow code") promises a replay history for. */
const branches = [
  'rollback/completed-signal.json',
  'rollback/completed-update.json',
  'rollback/approved-plan-kept.json',
  'rollback/plan-failed.json',
  'rollback/rejected.json',
  'rollback/expired.json',
  'rollback/cancelled.json',
  'rollback/needs-attention-revert.json',
  'rollback/needs-attention-retry.json',
  'rollback/replanned.json',
  'rollback/drafts-deleted.json',
  'rollback/approval-notice.json',
  'rollback/second-verdict-refused.json',
  'sync/pass-with-backoff.json',
  'sync/continue-as-new.json',
  'sync/burst-coalesced.json',
  'tailer/continue-as-new.json',
  'tailer/long-poll.json',
  'pre-state-machine/rollback-completed.json',
];

describe('replay of every recorded branch', () => {
  it('every branch has its history, and nothing else is lying around', () => {
    expect(histories().sort()).toEqual([...branches].sort());
  });

  for (const name of branches) {
    it(`${name} replays on today's code`, async () => {
      const history = load(name);
      expect(history.events?.length).toBeGreaterThan(10);
      await replay(await workflowBundle(), name);
    });
  }

  const marked = (name: string, patch: string) =>
    (load(name).events ?? []).some((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data !== undefined && data !== null && Buffer.from(data).toString('utf8').includes(patch);
    });
  const count = (name: string, pick: (e: NonNullable<ReturnType<typeof load>['events']>[number]) => boolean) => (load(name).events ?? []).filter(pick).length;

  it('each side of every patch has its history: without the marker before it, with it after', () => {
    const hashes = (name: string) => count(name, (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'hashPlan');
    const timers = (name: string) => count(name, (e) => Boolean(e.timerStartedEventAttributes));
    // Before keep-the-hash-of-an-unchanged-plan the re-check hashed the plan again.
    expect([hashes('rollback/completed-update.json'), marked('rollback/completed-update.json', UNCHANGED_PLAN_PATCH)]).toEqual([2, false]);
    expect([hashes('rollback/approved-plan-kept.json'), marked('rollback/approved-plan-kept.json', UNCHANGED_PLAN_PATCH)]).toEqual([1, true]);
    // plan-settles-every-environment: no history before it carries its marker; the failed plan's does.
    for (const old of ['rollback/completed-update.json', 'rollback/approved-plan-kept.json', 'rollback/expired.json']) expect(marked(old, SETTLED_PLAN_PATCH), old).toBe(false);
    expect(marked('rollback/plan-failed.json', SETTLED_PLAN_PATCH)).toBe(true);
    expect(count('rollback/plan-failed.json', (e) => Boolean(e.workflowTaskFailedEventAttributes))).toBe(0);
    // notify-when-the-plan-is-ready: no history before it tells Slack when the plan is ready; the approval notice's does, once.
    const notices = (name: string) => count(name, (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyApprovalNeeded');
    for (const old of ['rollback/completed-update.json', 'rollback/approved-plan-kept.json', 'rollback/replanned.json']) expect([marked(old, APPROVAL_NOTICE_PATCH), notices(old)], old).toEqual([false, 0]);
    expect([marked('rollback/approval-notice.json', APPROVAL_NOTICE_PATCH), notices('rollback/approval-notice.json')]).toEqual([true, 1]);
    // one-decision-per-run: reached only when two verdicts arrive together; only that history carries it.
    for (const old of branches.filter((b) => b !== 'rollback/second-verdict-refused.json')) expect(marked(old, ONE_DECISION_PATCH), old).toBe(false);
    expect(marked('rollback/second-verdict-refused.json', ONE_DECISION_PATCH)).toBe(true);
    // Before tail-by-long-poll every empty poll was followed by a timer; after it there is none.
    expect(marked('tailer/continue-as-new.json', TAIL_BY_LONG_POLL_PATCH)).toBe(false);
    expect(timers('tailer/continue-as-new.json')).toBeGreaterThan(0);
    expect([marked('tailer/long-poll.json', TAIL_BY_LONG_POLL_PATCH), timers('tailer/long-poll.json')]).toEqual([true, 0]);
    // coalesce-bursts-of-changes: the change right after a pass waits out the interval on a timer.
    for (const old of ['sync/pass-with-backoff.json', 'sync/continue-as-new.json']) expect(marked(old, COALESCE_BURSTS_PATCH), old).toBe(false);
    expect(marked('sync/burst-coalesced.json', COALESCE_BURSTS_PATCH)).toBe(true);
    expect(count('sync/burst-coalesced.json', (e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8').includes('let the burst of changes settle'))).toBe(1);
  });

  it('the recorded histories hold no secret of the recording stack', () => {
    for (const name of histories()) {
      const text = readFileSync(join(root, name), 'utf8');
      const decoded = [...text.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1] ?? '', 'base64').toString('utf8')).join('\n');
      expect(`${text}\n${decoded}`, name).not.toMatch(/record-token|sandbox-admin-token|xoxb-record-slack-token/);
    }
  });
});

describe('a change to workflow code', () => {
  it('an unguarded change to a step already taken is caught as non-determinism', async () => {
    const breaking = await nextBuildBundle('breaking');
    for (const name of ['rollback/completed-signal.json', 'rollback/expired.json', 'pre-state-machine/rollback-completed.json']) {
      await expect(replay(breaking, name), name).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  });

  it('the same change behind patched() replays every rollback history', async () => {
    const patched = await nextBuildBundle('patched');
    for (const name of branches.filter((b) => b.includes('rollback'))) await replay(patched, name);
  });
});
