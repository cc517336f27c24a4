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
import { UNCHANGED_PLAN_PATCH } from '../workflows/rollback/plan.js';
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
  'rollback/rejected.json',
  'rollback/expired.json',
  'rollback/cancelled.json',
  'rollback/needs-attention-revert.json',
  'rollback/needs-attention-retry.json',
  'rollback/replanned.json',
  'rollback/drafts-deleted.json',
  'sync/pass-with-backoff.json',
  'sync/continue-as-new.json',
  'tailer/continue-as-new.json',
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

  it('each side of keep-the-hash-of-an-unchanged-plan has its history', () => {
    const hashes = (name: string) => (load(name).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'hashPlan').length;
    const marked = (name: string) =>
      (load(name).events ?? []).some((e) => {
        const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        return data !== undefined && data !== null && Buffer.from(data).toString('utf8').includes(UNCHANGED_PLAN_PATCH);
      });
    // Before the patch the re-check hashed the plan again; after it, the unchanged plan keeps its hash.
    expect([hashes('rollback/completed-update.json'), marked('rollback/completed-update.json')]).toEqual([2, false]);
    expect([hashes('rollback/approved-plan-kept.json'), marked('rollback/approved-plan-kept.json')]).toEqual([1, true]);
  });

  it('the recorded histories hold no secret of the recording stack', () => {
    for (const name of histories()) {
      const text = readFileSync(join(root, name), 'utf8');
      const decoded = [...text.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1] ?? '', 'base64').toString('utf8')).join('\n');
      expect(`${text}\n${decoded}`, name).not.toMatch(/record-token|sandbox-admin-token/);
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
