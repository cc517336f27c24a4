/**
 * `flagops webhooks [--port P]`: receive Flagsmith's signed webhooks and wake the environment-
 * document sync of the environments they concern. Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';

export function registerWebhooksCommand(program: Command): void {
  program
    .command('webhooks')
    .description("Receive Flagsmith's signed webhooks (wake the document sync), Slack's signed interactions (approve / reject) and Alertmanager/Grafana alerts (start rollbacks)")
    .option('--port <port>', 'port to listen on', '8088')
    .addHelpText(
      'after',
      `
Environment: FLAGSMITH_WEBHOOK_SECRET (the webhook's secret in Flagsmith) with FLAGSMITH_DATABASE_URL
(maps projects and versions to environments) for Flagsmith's webhooks on POST /; SLACK_SIGNING_SECRET
(the Slack app's signing secret) for Slack's interactions on POST /slack/interactions, approvers
mapped by approval.slackUsers; FLAGOPS_ALERT_TOKEN (bearer token of the alert routes). Set at least
one; each route needs only its own. Also FLAGOPS_CONFIG, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
FLAGOPS_TASK_QUEUE, FLAGOPS_ID_PREFIX, LOG_LEVEL.
POST /: Flagsmith. Requests without a valid X-Flagsmith-Signature (hex HMAC-SHA256 of the body) are
refused with 401. Self-hosted Flagsmith sends its v2 webhooks only when run with
TASK_RUN_METHOD=TASK_PROCESSOR.
POST /slack/interactions: Slack requests without a valid X-Slack-Signature or with a timestamp over
5 minutes old are refused with 401.
POST /alerts/alertmanager, /alerts/grafana: alerts matched by alerts.rules of flagops.yaml start a
rollback that waits for approval. Authorization: Bearer $FLAGOPS_ALERT_TOKEN (else 401); bodies
over 512 KiB are refused with 413.`,
    )
    .action(lazyAction(() => import('../run/webhooks.js'), (m, options: { port: string }) => m.runWebhooks(process.env, options)));
}
