/**
 * The CLI's rendering of a plan and of progress, on statuses the end-to-end tests do not reach:
 * scheduled versions, a partial rollback, a re-plan, and the cache-wait countdown's pacing.
 */
import { describe, expect, it } from 'vitest';
import { ProgressPrinter, isCountdownLine, renderPlan } from '../../src/cli/render.js';
import type { RollbackPlan, RollbackStatus } from '../../workflows/rollback/messages.js';
import { initialStatus } from '../../workflows/rollback/state.js';

const plan: RollbackPlan = {
  flag: 'matcher_trigger_decision_stages',
  featureId: 7,
  projectId: 36214,
  environments: [
    {
      name: 'Production',
      id: 85219,
      versioning: 'v2',
      featureStateId: 11,
      before: { enabled: true, value: '["decided_on_destination"]', valueType: 'unicode', version: 'live-uuid' },
      after: { enabled: false, value: '["decided_on_destination"]', valueType: 'unicode' },
      scheduled: [{ uuid: 'sched-uuid', liveFrom: '2026-06-01T00:00:00Z', description: 'back on' }],
    },
  ],
  partialReason: 'Development is already off',
  semantics: 'symmetric',
  notes: null,
  flagOnAt: null,
  flagOnAtSource: 'none',
  cohort: null,
  probe: null,
  approvers: ['sd@example.com'],
  distinctFromRequester: true,
  keepScheduled: false,
  planHash: 'a'.repeat(64),
  revision: 1,
  plannedAt: '2026-05-23T10:00:00Z',
};

function status(overrides: Partial<RollbackStatus>): RollbackStatus {
  const input = { flag: plan.flag, requestedBy: 'ic@example.com', incidentId: 'INC-9', reason: 'wrong stages', pr: 'acme/backend#1094' };
  return {
    ...initialStatus(input, { workflowId: 'rollback-matcher_trigger_decision_stages', runId: 'run-1' }, '2026-05-23T10:00:00Z'),
    status: 'awaiting_approval',
    step: 'await_approval',
    updatedAt: '2026-05-23T10:00:01Z',
    plan,
    ...overrides,
  };
}

describe('renderPlan', () => {
  it('shows before → after, the scheduled version and its fate, the partial reason and the hash', () => {
    const text = renderPlan(status({}));
    expect(text).toContain('Production  ON  "[\\"decided_on_destination\\"]" (unicode)  →  OFF "[\\"decided_on_destination\\"]" (unicode)   [v2]  live version live-uuid');
    expect(text).toContain('scheduled version sched-uuid goes live 2026-06-01T00:00:00Z: deleted after approval');
    expect(text).toContain('PARTIAL: only Production — Development is already off');
    expect(text).toContain('PR acme/backend#1094');
    expect(text).toContain(`plan hash: ${'a'.repeat(64)}`);
  });

  it('omits the incident and the reason when the rollback was started without them', () => {
    const text = renderPlan(status({ incidentId: null, reason: null }));
    expect(text).toContain('  requested by ic@example.com · PR acme/backend#1094');
    expect(text).not.toContain('incident');
    expect(text).not.toContain('reason:');
    expect(text).not.toContain('null');
  });

  it('warns that a kept scheduled version will undo the rollback', () => {
    expect(renderPlan(status({ plan: { ...plan, keepScheduled: true } }))).toContain('kept (--keep-scheduled): it will undo this rollback when it goes live');
  });
});

describe('ProgressPrinter', () => {
  it('says why flagOnAt is unknown and which environments require change requests', () => {
    const text = renderPlan(
      status({
        plan: {
          ...plan,
          flagOnAt: null,
          flagOnAtSource: 'none',
          flagOnAtUnknown: 'Flagsmith lists only part of the version history (a plan limit hides older versions)',
          changeRequests: [{ environment: 'Production', minimumApprovals: 2, note: 'this environment requires a change request' }],
        },
      }),
    );
    expect(text).toContain('flag on since: unknown\n    unknown because Flagsmith lists only part of the version history (a plan limit hides older versions)');
    expect(text).toContain('CHANGE REQUESTS: Production requires 2 approval(s) — this environment requires a change request');
    expect(renderPlan(status({}))).not.toContain('CHANGE REQUESTS');
  });

  it('prints a new plan when the flag changed before publishing', () => {
    const printer = new ProgressPrinter({ namespace: 'incidents' });
    const first = printer.update(status({})).join('\n');
    expect(first).toContain('temporal workflow signal --namespace incidents --workflow-id rollback-matcher_trigger_decision_stages --name approve');
    const again = printer.update(status({})).join('\n');
    expect(again).toBe('');
    const replanned = printer.update(status({ plan: { ...plan, revision: 2, planHash: 'b'.repeat(64) } })).join('\n');
    expect(replanned).toContain('a new plan needs a new approval');
    expect(replanned).toContain(`plan hash: ${'b'.repeat(64)}`);
  });

  it('counts the cache wait down every 10 s and each of the last 5 s', () => {
    const printer = new ProgressPrinter({ namespace: 'default' });
    const start = Date.parse('2026-05-23T10:00:00Z');
    const waiting = status({ status: 'waiting_for_caches', step: 'wait_for_caches', timers: { approvalDeadline: null, cacheWaitUntil: '2026-05-23T10:01:00Z', verifyDeadline: null } });
    const printed: string[] = [];
    for (let t = 0; t <= 60_000; t += 500) printed.push(...printer.update(waiting, start + t).filter((l) => l.includes('cache wait')));
    expect(printed.map((l) => /cache wait: (\S+) left/.exec(l)?.[1])).toEqual(['1m', '50s', '40s', '30s', '20s', '10s', '5s', '4s', '3s', '2s', '1s', '0s']);
  });

  it('on a terminal (shown in place) counts down every second, each second once', () => {
    const printer = new ProgressPrinter({ namespace: 'default' }, true);
    const start = Date.parse('2026-05-23T10:00:00Z');
    const waiting = status({ status: 'waiting_for_caches', step: 'wait_for_caches', timers: { approvalDeadline: null, cacheWaitUntil: '2026-05-23T10:00:12Z', verifyDeadline: null } });
    const printed: string[] = [];
    for (let t = 0; t <= 12_000; t += 250) printed.push(...printer.update(waiting, start + t).filter(isCountdownLine));
    expect(printed.map((l) => /cache wait: (\S+) left/.exec(l)?.[1])).toEqual(['12s', '11s', '10s', '9s', '8s', '7s', '6s', '5s', '4s', '3s', '2s', '1s', '0s']);
  });
});

describe('typed text is shown, never printed raw', () => {
  it('a newline, an ANSI escape or a right-to-left override in --reason, --as or --incident cannot forge a line or hide text', () => {
    const forged = status({
      requestedBy: 'ic@example.com\u001b[2K\rsd@example.com',
      reason: 'innocent\n  approvers: attacker@example.com',
      incidentId: 'INC-1\u202e9-CNI',
      refusals: [{ signal: 'approve', via: 'signal', by: 'x\u001b[31mred', at: '2026-05-23T10:00:00Z', reason: 'x\u001b[31mred is not a configured approver', requestId: null }],
    });
    const plan = renderPlan(forged);
    const progress = new ProgressPrinter({ namespace: 'default' }).update(forged).join('\n');
    const printed = `${plan}\n${progress}`;
    expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e\u200b]/);
    for (const view of [plan, progress]) expect(view.split('\n').filter((line) => /^\s*approvers:/.test(line))).toHaveLength(1);
    expect(printed).toContain('reason: innocent\\n  approvers: attacker@example.com');
    expect(printed).toContain('INC-1\\u{202e}9-CNI');
    expect(printed).toContain('x\\u{1b}[31mred is not a configured approver');
  });
});
