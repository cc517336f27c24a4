/**
 * The Approve / Reject buttons of the approval message. A button's `value` carries only the
 * workflow id and the plan hash the message showed (Slack returns it unchanged in the interaction;
 * no secret ever goes in it), and its `action_id` says which verdict it is.
 */

export const APPROVE_ACTION = 'flagops_approve';
export const REJECT_ACTION = 'flagops_reject';

/** What a button stands for. */
export interface ButtonTarget {
  workflowId: string;
  planHash: string;
}

/** Slack caps a button's value at 2000 characters. */
const MAX_VALUE = 2000;

export function buttonValue(target: ButtonTarget): string {
  return JSON.stringify({ workflowId: target.workflowId, planHash: target.planHash });
}

/** The target a button's value names, or null when it is not one of ours. */
export function parseButtonValue(value: unknown): ButtonTarget | null {
  if (typeof value !== 'string' || value.length > MAX_VALUE) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const { workflowId, planHash } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof workflowId !== 'string' || !/^[\x21-\x7e]{1,1000}$/.test(workflowId)) return null;
  if (typeof planHash !== 'string' || !/^[0-9a-f]{64}$/.test(planHash)) return null;
  return { workflowId, planHash };
}
