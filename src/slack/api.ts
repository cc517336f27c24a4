/**
 * Slack's Web API as flagops uses it: `chat.postMessage` with the bot token (`SLACK_BOT_TOKEN`,
 * scope `chat:write`), and the `response_url` of an interaction. Slack answers API calls 200 with
 * `{"ok": false, "error": "…"}` when it refuses one, so `ok` is checked, not only the status.
 */
import type { HttpClient } from '../http.js';

/** How long one call to Slack may take: a notification must never hold a rollback up. */
export const SLACK_CALL_TIMEOUT_MS = 5_000;

/** Post `message` to `channel`. @throws Error with Slack's error code when it refuses the call. */
export async function postSlackMessage(
  http: HttpClient,
  apiUrl: string,
  token: string,
  message: { channel: string; text: string; blocks?: unknown[] },
): Promise<{ channel: string; ts: string }> {
  const url = `${apiUrl.replace(/\/$/, '')}/chat.postMessage`;
  const res = await http.postJson<{ ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown }>(
    url,
    { ...message, unfurl_links: false, unfurl_media: false },
    { headers: { Authorization: `Bearer ${token}` }, timeoutMs: SLACK_CALL_TIMEOUT_MS },
  );
  const body = res.body ?? {};
  if (body.ok !== true) throw new Error(`Slack chat.postMessage refused: ${typeof body.error === 'string' ? body.error : 'no ok in the answer'}`);
  return { channel: typeof body.channel === 'string' ? body.channel : message.channel, ts: typeof body.ts === 'string' ? body.ts : '' };
}

/** Answer an interaction through its `response_url` (a credential of its own: never logged). */
export async function replyToInteraction(http: HttpClient, responseUrl: string, message: Record<string, unknown>): Promise<void> {
  await http.postJson(responseUrl, message, { secretUrl: true, timeoutMs: SLACK_CALL_TIMEOUT_MS });
}
