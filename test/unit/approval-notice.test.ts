/** The "approval needed" message tells approvers about the overrides a rollback leaves serving the old state. */
import { describe, expect, it } from 'vitest';
import { approvalNoticeText } from '../../src/slack/message.js';
import { approvalNoticeOf } from '../../workflows/rollback/announce.js';
import type { EnvironmentPlan, RollbackPlan, RollbackStatus } from '../../workflows/rollback/messages.js';
import { initialStatus } from '../../workflows/rollback/state.js';

const production: EnvironmentPlan = {
  name: 'Production',
  id: 85219,
  versioning: 'v2',
  featureStateId: 11,
  before: { enabled: true, value: null, valueType: 'unicode', version: 'live-uuid' },
  after: { enabled: false, value: null, valueType: 'unicode' },
  scheduled: [],
  overrides: {
    segments: [{ segmentId: 4, segment: 'sd_dogfooding', priority: 1, enabled: true, value: null, action: 'kept', stillServesOld: true }],
    identities: { count: 2, differing: 2, action: 'kept', stillServingOld: 2, identifiers: null, cut: false },
  },
};

function statusWith(environments: EnvironmentPlan[]): RollbackStatus {
  const plan = { flag: 'auto_invoke_matcher_on_intake_complete', environments, planHash: 'b'.repeat(64), revision: 1, approvers: ['sd@example.com'] } as unknown as RollbackPlan;
  return { ...initialStatus({ flag: plan.flag, requestedBy: 'ic@example.com' }, { workflowId: 'rollback-x', runId: 'r' }, '2026-12-02T10:00:00Z'), plan };
}

describe('approvalNoticeOf', () => {
  it('names each override that will still serve the old state', () => {
    const notice = approvalNoticeOf(statusWith([production]));
    expect(notice?.environments[0]?.overrides).toBe('segment sd_dogfooding ON: kept, STILL SERVES THE OLD STATE; 2 identity override(s): kept, 2 STILL SERVE THE OLD STATE');
    expect(approvalNoticeText(notice!)).toContain('overrides: segment sd_dogfooding ON: kept, STILL SERVES THE OLD STATE');
  });

  it('says nothing of overrides when there are none (or the plan predates them)', () => {
    const { overrides: _none, ...without } = production;
    const notice = approvalNoticeOf(statusWith([without]));
    expect(notice?.environments[0]?.overrides).toBeNull();
    expect(approvalNoticeText(notice!)).not.toContain('overrides:');
  });
});
