/**
 * `POST /slack/interactions` of `flagops webhooks`: Slack's interactivity request URL. The
 * signature and its timestamp are checked over the raw body before anything is read; a verified
 * button press is acknowledged at once (Slack wants an answer within 3 s), then judged by the
 * rollback, and the verdict is posted back to the message's `response_url`: the message is
 * replaced when the verdict was accepted, and the presser alone is told why when it was refused.
 * Every refusal is logged (without the signing secret, the body or the response URL).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpClient } from '../http.js';
import type { Logger } from '../log.js';
import { readCappedBody } from '../webhooks/body.js';
import { replyToInteraction } from './api.js';
import { decide, type Decision, type SlackDecider } from './decide.js';
import { slackEscape } from './message.js';
import { parseInteraction, type ButtonPress } from './payload.js';
import { checkSlackSignature, slackSignatureHeader, slackTimestampHeader } from './signature.js';

/** Slack's interaction payloads carry the message they came from; far larger is not one of them. */
export const MAX_INTERACTION_BYTES = 256 * 1024;

export const SLACK_INTERACTIONS_PATH = '/slack/interactions';

export interface SlackInteractionsOptions extends SlackDecider {
  /** `SLACK_SIGNING_SECRET`: the app's signing secret. */
  signingSecret: string;
  http: HttpClient;
  log: Logger;
  /** The clock the timestamp is checked against (tests). */
  now?: () => number;
}

function answer(res: ServerResponse, status: number, text = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** What Slack shows after the verdict. */
function replyFor(press: ButtonPress, decision: Decision): Record<string, unknown> {
  const what = press.verdict === 'approve' ? 'approval' : 'rejection';
  const rollback = `\`${slackEscape(press.target.workflowId)}\``;
  if (decision.verdict === 'accepted') {
    const done = press.verdict === 'approve' ? 'Approved' : 'Rejected';
    return {
      replace_original: true,
      text: `${done} by ${slackEscape(decision.approver ?? '?')} (<@${press.slackUserId}>): ${rollback}, plan \`${press.target.planHash}\`${decision.status ? ` · now ${decision.status}` : ''}.`,
    };
  }
  const why = slackEscape(decision.reason ?? 'no reason given');
  const head = decision.verdict === 'refused' ? `Your ${what} of ${rollback} was refused` : `Your ${what} of ${rollback} got no verdict`;
  return { response_type: 'ephemeral', replace_original: false, text: `${head}: ${why}` };
}

/** Answer one request to {@link SLACK_INTERACTIONS_PATH}. Never throws for a bad request. */
export async function handleSlackInteraction(options: SlackInteractionsOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const log = options.log;
  if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== SLACK_INTERACTIONS_PATH) return answer(res, 404, `POST Slack interactions to ${SLACK_INTERACTIONS_PATH}`);
  const raw = await readCappedBody(req, MAX_INTERACTION_BYTES);
  if (raw === null) {
    log.warn({ event: 'slack.refused', reason: 'body too large' }, 'Slack interaction refused');
    return answer(res, 413, 'body too large');
  }
  const signature = checkSlackSignature(options.signingSecret, raw, header(req, slackTimestampHeader), header(req, slackSignatureHeader), (options.now ?? Date.now)());
  if (!signature.ok) {
    log.warn({ event: 'slack.refused', reason: signature.reason }, 'Slack interaction refused');
    return answer(res, 401, `missing or invalid X-Slack-Signature (${signature.reason})`);
  }
  const parsed = parseInteraction(raw);
  if (!parsed.ok) {
    log.warn({ event: 'slack.refused', reason: parsed.reason, slackUser: parsed.slackUserId }, 'Slack interaction refused');
    return answer(res, 400, parsed.reason);
  }
  const press = parsed.press;
  // Acknowledge now; the verdict goes to the response URL.
  answer(res, 200);
  let decision: Decision;
  try {
    decision = await decide(options, press);
  } catch (error) {
    decision = { verdict: 'unknown', reason: error instanceof Error ? error.message : String(error), status: null, requestId: '', approver: null };
  }
  const fields = {
    workflowId: press.target.workflowId,
    planHash: press.target.planHash,
    action: press.verdict,
    slackUser: press.slackUserId,
    approver: decision.approver,
    verdict: decision.verdict,
    reason: decision.reason,
    requestId: decision.requestId || null,
  };
  if (decision.verdict === 'accepted') log.info({ event: 'slack.verdict', ...fields }, `Slack ${press.verdict} accepted`);
  else log.warn({ event: 'slack.refused', ...fields }, `Slack ${press.verdict} ${decision.verdict}`);
  try {
    await replyToInteraction(options.http, press.responseUrl, replyFor(press, decision));
  } catch (error) {
    log.warn({ event: 'slack.reply_failed', workflowId: press.target.workflowId, err: error instanceof Error ? error.message : String(error) }, 'could not reply in Slack');
  }
}
