/**
 * Rollback step 7 (SPEC §3): tell people. A Slack webhook and/or a comment on the originating
 * GitHub PR, each only when configured, with the version UUIDs and the cohort count (never cohort
 * rows). A failed notification is reported in the result; it never fails the rollback.
 */
import type { NotificationOutcome } from '../workflows/rollback/messages.js';
import { outboundHttp, withoutSecrets, type ActivityDeps } from './deps.js';
import { describeError } from './flagsmith.js';
import { PULL_REQUEST_FORMAT, parsePullRequestRef } from '../src/github/pull-request.js';

/** What a notification says: secret-free, built by the workflow from its state. */
export interface RollbackNotice {
  workflowId: string;
  flag: string;
  status: string;
  incidentId: string | null;
  reason: string | null;
  requestedBy: string;
  approvedBy: string | null;
  pr: string | null;
  environments: { name: string; before: string; after: string; version: string | null; verified: boolean; publish: string }[];
  cohortCount: number | null;
  cohortNote: string | null;
  /** The alerts of an alert-started run (or recorded on it), in one line; absent otherwise. */
  alerts?: string | null;
}

/** The notification's text, in the markdown Slack and GitHub both render. */
function noticeText(notice: RollbackNotice): string {
  const code = (s: string) => `\`${s}\``;
  const lines = [
    `Flag ${code(notice.flag)} rollback ${notice.status}${notice.incidentId ? ` (incident ${notice.incidentId})` : ''}.`,
    ...(notice.reason ? [`Reason: ${notice.reason}`] : []),
    `Requested by ${notice.requestedBy}${notice.approvedBy ? `, approved by ${notice.approvedBy}` : ''}.`,
    ...notice.environments.map(
      (e) =>
        `- ${e.name}: ${e.before} → ${e.after}; ${e.publish}${e.version ? `, version ${code(e.version)}` : ''}${e.verified ? ', verified' : ', not verified'}`,
    ),
  ];
  if (notice.cohortCount !== null) lines.push(`Cohort left behind: ${notice.cohortCount} case(s); remediation is manual.`);
  else if (notice.cohortNote) lines.push(`Cohort: ${notice.cohortNote}`);
  if (notice.alerts) lines.push(notice.alerts);
  lines.push(`Workflow: ${notice.workflowId}`);
  return lines.join('\n');
}

/** Step 7's activity (Slack, GitHub) and the count of finished rollbacks in the worker's metrics. */
export function createNotifyActivities(deps: ActivityDeps) {
  const http = () => outboundHttp(deps);
  return {
    /** Send every configured notification; each outcome reported, none thrown. */
    async notifyRollback(notice: RollbackNotice): Promise<NotificationOutcome[]> {
      const outcomes: NotificationOutcome[] = [];
      const at = () => new Date().toISOString();
      const slack = deps.secrets.slackWebhookUrl;
      if (slack) {
        try {
          await http().postJson(slack, { text: noticeText(notice) }, { secretUrl: true });
          outcomes.push({ channel: 'slack', status: 'sent', detail: 'posted to the Slack webhook', at: at() });
        } catch (error) {
          outcomes.push({ channel: 'slack', status: 'failed', detail: describeError(error), at: at() });
        }
      }
      if (notice.pr) {
        const ref = parsePullRequestRef(notice.pr);
        const token = deps.secrets.githubToken;
        if (!token) outcomes.push({ channel: 'github', status: 'skipped', detail: 'GITHUB_TOKEN is not set on the worker', at: at() });
        else if (!ref) outcomes.push({ channel: 'github', status: 'failed', detail: `not a PR reference (${PULL_REQUEST_FORMAT}): ${notice.pr}`, at: at() });
        else {
          const { owner, repo, number } = ref;
          const base = (deps.endpoints?.githubApiUrl ?? 'https://api.github.com').replace(/\/$/, '');
          try {
            await http().postJson(
              `${base}/repos/${owner}/${repo}/issues/${number}/comments`,
              { body: noticeText(notice) },
              { headers: { Authorization: `Bearer ${token}`, 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'flagops' } },
            );
            outcomes.push({ channel: 'github', status: 'sent', detail: `commented on ${notice.pr}`, at: at() });
          } catch (error) {
            outcomes.push({ channel: 'github', status: 'failed', detail: describeError(error), at: at() });
          }
        }
      }
      return outcomes.map((o) => ({ ...o, detail: withoutSecrets(deps, o.detail) }));
    },

    /** Count the rollback's final status in `flagops_rollbacks_total`. */
    // eslint-disable-next-line @typescript-eslint/require-await -- activities are async by contract
    async recordRollbackFinished(input: { status: string; stepDurations: Record<string, number> }): Promise<void> {
      deps.metrics.rollbacks.inc({ status: input.status });
      for (const [step, ms] of Object.entries(input.stepDurations)) {
        deps.metrics.stepDuration.observe({ workflow: 'flagRollback', step }, ms / 1000);
      }
    },
  };
}
