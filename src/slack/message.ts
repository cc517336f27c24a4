/**
 * The "approval needed" message (README, "Approvals from Slack"): the plan, its hash, and how to
 * approve it: the CLI command, and the Update name and JSON for the Temporal UI. As plain text for
 * an incoming webhook, and as Block Kit with Approve / Reject buttons for `chat.postMessage`.
 */
import { APPROVE_ACTION, REJECT_ACTION, buttonValue } from './buttons.js';

/** What the workflow tells approvers when a plan is ready: secret-free, built from its status. */
export interface ApprovalNotice {
  workflowId: string;
  flag: string;
  incidentId: string | null;
  reason: string | null;
  requestedBy: string;
  planHash: string;
  /** 1 for the first plan, more when re-validation re-planned. */
  revision: number;
  /** ISO time the approval expires; null when unknown. */
  approvalDeadline: string | null;
  /** `overrides`: one line on the segment and identity overrides (issue 12 §1), null when there are none. */
  environments: { name: string; before: string; after: string; scheduled: number; overrides?: string | null }[];
  partialReason: string | null;
  semantics: 'symmetric' | 'asymmetric';
  notes: string | null;
  /** The cohort's description (or why its check will be skipped); null when the flag has none. */
  cohort: string | null;
  approvers: string[];
  distinctFromRequester: boolean;
}

/** Text Slack shows as typed: `&`, `<` and `>` are its control characters in mrkdwn. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A section's text is capped at 3000 characters by Slack. */
function capped(text: string, max = 2900): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const code = (s: string) => `\`${slackEscape(s).replace(/`/g, "'")}\``;

/** The plan, line by line (mrkdwn). */
function planLines(n: ApprovalNotice): string[] {
  const lines = [
    `*Flag* ${code(n.flag)}${n.incidentId ? ` · incident ${slackEscape(n.incidentId)}` : ''} · requested by ${slackEscape(n.requestedBy)}`,
    ...(n.reason ? [`*Reason* ${slackEscape(n.reason)}`] : []),
    ...n.environments.map((e) => `• *${slackEscape(e.name)}*: ${slackEscape(e.before)} → ${slackEscape(e.after)}${e.scheduled ? ` (${e.scheduled} scheduled version(s) to delete)` : ''}${e.overrides ? `\n    overrides: ${slackEscape(e.overrides)}` : ''}`),
    ...(n.partialReason ? [`*Only these environments*: ${slackEscape(n.partialReason)}`] : []),
    ...(n.cohort ? [`*Cohort* (${n.semantics}): ${slackEscape(n.cohort)}`] : []),
    ...(n.notes ? [`*Notes* ${slackEscape(n.notes)}`] : []),
  ];
  return lines;
}

/** How to approve without Slack: the CLI, and the Temporal UI's Update. */
function howToApprove(n: ApprovalNotice): string[] {
  const who = n.approvers[0] ?? 'you@example.com';
  return [
    `*Approvers* ${n.approvers.map(slackEscape).join(', ')}${n.distinctFromRequester ? ' (not the requester)' : ''}${n.approvalDeadline ? ` · expires ${slackEscape(n.approvalDeadline)}` : ''}`,
    `*CLI* ${code(`flagops approve ${n.workflowId} --as ${who} --plan-hash ${n.planHash}`)}`,
    `*Temporal UI* workflow ${code(n.workflowId)} → Send an Update named ${code('approve')} with ${code(JSON.stringify({ by: who, planHash: n.planHash }))}`,
  ];
}

function headline(n: ApprovalNotice): string {
  return `Approval needed: rollback of ${n.flag}${n.revision > 1 ? ` (re-planned, plan ${n.revision})` : ''}`;
}

/** The whole notice as text (incoming webhooks, and the fallback `text` of the interactive message). */
export function approvalNoticeText(n: ApprovalNotice): string {
  return [headline(n), ...planLines(n), `*Plan hash* ${code(n.planHash)}`, ...howToApprove(n)].join('\n');
}

/** The interactive message: the plan, its hash, how to approve, and Approve / Reject buttons. */
export function approvalNoticeBlocks(n: ApprovalNotice): unknown[] {
  const value = buttonValue({ workflowId: n.workflowId, planHash: n.planHash });
  return [
    { type: 'header', text: { type: 'plain_text', text: capped(headline(n), 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: capped(planLines(n).join('\n')) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: capped(`Plan hash ${code(n.planHash)} · workflow ${code(n.workflowId)}`) }] },
    {
      type: 'actions',
      block_id: 'flagops_verdict',
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value,
          confirm: {
            title: { type: 'plain_text', text: 'Reject this rollback?' },
            text: { type: 'plain_text', text: capped(`The rollback of ${n.flag} ends rejected; nothing is published.`, 300) },
            confirm: { type: 'plain_text', text: 'Reject' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: capped(howToApprove(n).join('\n')) }] },
  ];
}
