/**
 * `flagops webhooks [--port P]`: receive Flagsmith's signed webhooks and wake the environment-
 * document sync of the environments they concern. Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';

export function registerWebhooksCommand(program: Command): void {
  program
    .command('webhooks')
    .description("Receive Flagsmith's signed webhooks (wake the document sync) and Slack's signed interactions (approve / reject)")
    .option('--port <port>', 'port to listen on', '8088')
    .addHelpText(
      'after',
      `
Environment: FLAGSMITH_WEBHOOK_SECRET (the webhook's secret in Flagsmith) with FLAGSMITH_DATABASE_URL
(maps projects and versions to environments) for Flagsmith's webhooks on POST /; SLACK_SIGNING_SECRET
(the Slack app's signing secret) for Slack's interactions on POST /slack/interactions, approvers
mapped by approval.slackUsers; at least one of the two. Also FLAGOPS_CONFIG, TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, FLAGOPS_TASK_QUEUE, FLAGOPS_ID_PREFIX, LOG_LEVEL.
Requests without a valid X-Flagsmith-Signature (hex HMAC-SHA256 of the body) are refused with 401, and
so are Slack requests without a valid X-Slack-Signature or with a timestamp over 5 minutes old.
Self-hosted Flagsmith sends its v2 webhooks only when run with TASK_RUN_METHOD=TASK_PROCESSOR.`,
    )
    .action(lazyAction(() => import('../run/webhooks.js'), (m, options: { port: string }) => m.runWebhooks(process.env, options)));
}
