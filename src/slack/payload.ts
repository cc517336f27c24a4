/**
 * An interaction request from Slack (Slack API docs, "Handling user interaction"): an
 * `application/x-www-form-urlencoded` body whose `payload` field is JSON; for a button,
 * `type: "block_actions"` with `user.id`, `actions[0].action_id` / `value` and `response_url`.
 * Only those fields are read. The user's name in the payload is never used for anything.
 */
import { APPROVE_ACTION, REJECT_ACTION, parseButtonValue, type ButtonTarget } from './buttons.js';

export interface ButtonPress {
  slackUserId: string;
  verdict: 'approve' | 'reject';
  target: ButtonTarget;
  responseUrl: string;
}

export type ParsedInteraction = { ok: true; press: ButtonPress } | { ok: false; reason: string; responseUrl: string | null; slackUserId: string | null };

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** Slack's response URLs are http(s) (https://hooks.slack.com/actions/…); anything else is not followed. */
function responseUrlOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    return /^https?:$/.test(new URL(value).protocol) ? value : null;
  } catch {
    return null;
  }
}

/** The button press a (signature-checked) body describes, or why it is not one flagops answers. */
export function parseInteraction(raw: Buffer): ParsedInteraction {
  const field = new URLSearchParams(raw.toString('utf8')).get('payload');
  if (field === null) return { ok: false, reason: 'no payload field in the form body', responseUrl: null, slackUserId: null };
  let payload: Record<string, unknown> | undefined;
  try {
    payload = record(JSON.parse(field));
  } catch {
    payload = undefined;
  }
  if (!payload) return { ok: false, reason: 'the payload field is not a JSON object', responseUrl: null, slackUserId: null };
  const responseUrl = responseUrlOf(payload.response_url);
  const userId = record(payload.user)?.id;
  const slackUserId = typeof userId === 'string' && /^[UW][A-Z0-9]{2,}$/.test(userId) ? userId : null;
  const refuse = (reason: string): ParsedInteraction => ({ ok: false, reason, responseUrl, slackUserId });
  if (payload.type !== 'block_actions') return refuse(`interaction type ${JSON.stringify(String(payload.type)).slice(0, 40)} is not handled (only block_actions)`);
  if (!slackUserId) return refuse('no Slack user id in the payload');
  if (!responseUrl) return refuse('no response_url in the payload');
  const actions = Array.isArray(payload.actions) ? payload.actions : [];
  const action = record(actions[0]);
  const verdict = action?.action_id === APPROVE_ACTION ? 'approve' : action?.action_id === REJECT_ACTION ? 'reject' : null;
  if (!verdict) return refuse('not an Approve or Reject button of flagops');
  const target = parseButtonValue(action?.value);
  if (!target) return refuse("the button's value does not name a rollback and a plan hash");
  return { ok: true, press: { slackUserId, verdict, target, responseUrl } };
}
