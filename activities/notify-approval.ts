/**
 * The "approval needed" notification (README, "Approvals from Slack"), sent when a plan is ready:
 * with SLACK_BOT_TOKEN and `slack.channel`, an interactive message (Approve / Reject buttons)
 * through `chat.postMessage`; else, with SLACK_WEBHOOK_URL, the same text through the incoming
 * webhook. Every outcome is returned, none thrown: a notification never holds a rollback up.
 */
import type { NotificationOutcome } from '../workflows/rollback/messages.js';
import { postSlackMessage, SLACK_CALL_TIMEOUT_MS } from '../src/slack/api.js';
import { approvalNoticeBlocks, approvalNoticeText, type ApprovalNotice } from '../src/slack/message.js';
import { outboundHttp, withoutSecrets, type ActivityDeps } from './deps.js';
import { describeError } from './flagsmith.js';

export function createApprovalNoticeActivities(deps: ActivityDeps) {
  return {
    async notifyApprovalNeeded(notice: ApprovalNotice): Promise<NotificationOutcome[]> {
      const at = () => new Date().toISOString();
      const outcome = (status: NotificationOutcome['status'], detail: string): NotificationOutcome[] => [
        { channel: 'slack', about: 'approval_needed', status, detail: withoutSecrets(deps, detail), at: at() },
      ];
      const slack = deps.config.slack;
      const { slackBotToken, slackWebhookUrl } = deps.secrets;
      if (!slack) return outcome('skipped', 'no slack section in the configuration');
      const text = approvalNoticeText(notice);
      try {
        if (slackBotToken && slack.channel) {
          const posted = await postSlackMessage(outboundHttp(deps), slack.apiUrl, slackBotToken, { channel: slack.channel, text, blocks: approvalNoticeBlocks(notice) });
          return outcome('sent', `interactive message posted to ${posted.channel} (ts ${posted.ts})`);
        }
        if (slackWebhookUrl) {
          await outboundHttp(deps).postJson(slackWebhookUrl, { text }, { secretUrl: true, timeoutMs: SLACK_CALL_TIMEOUT_MS });
          return outcome('sent', 'posted to the Slack webhook (no buttons: SLACK_BOT_TOKEN and slack.channel give them)');
        }
        return outcome('skipped', 'neither SLACK_BOT_TOKEN with slack.channel nor SLACK_WEBHOOK_URL is set on the worker');
      } catch (error) {
        return outcome('failed', describeError(error));
      }
    },
  };
}
