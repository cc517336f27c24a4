/**
 * The shape of `flagops.yaml` (SPEC §2), validated once at start-up. Durations are parsed to
 * milliseconds here so the rest of the code never sees duration strings.
 */
import { z } from 'zod';
import { identityKey } from '../../workflows/rollback/signals.js';
import { alertsConfigSchema, checkAlertRules } from './alerts.js';
import { checkDuration, durationLimits, type DurationLimit } from './duration.js';

/**
 * Two entries for one Flagsmith environment would publish twice in it: ids, api keys, and names
 * (ignoring case, as `--env` matches them) must each be unique.
 */
function uniqueEnvironments(envs: { name: string; id: number; apiKey: string }[], ctx: z.RefinementCtx): void {
  const seen = { name: new Map<string, number>(), id: new Map<number, number>(), apiKey: new Map<string, number>() };
  envs.forEach((env, index) => {
    for (const [key, value] of [
      ['name', env.name.toLowerCase()],
      ['id', env.id],
      ['apiKey', env.apiKey],
    ] as const) {
      const map = seen[key] as Map<string | number, number>;
      const first = map.get(value);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [index, key], message: `duplicates environments.${first}.${key}${key === 'name' ? ' (names are compared ignoring case)' : ''}` });
      } else map.set(value, index);
    }
  });
}

/** A duration with its unit (`30s`), within its documented limit, as milliseconds. */
const duration = (fallback: string, limit: DurationLimit) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((value, ctx) => {
      const checked = checkDuration(value, limit);
      if (!checked.ok) {
        ctx.addIssue({ code: 'custom', message: checked.reason });
        return z.NEVER;
      }
      return checked.ms;
    });

/** An http(s) URL: a `file:` or other scheme never reaches an HTTP client. */
const httpUrl = (what: string) =>
  z.url({ message: `${what}: an http(s) URL` }).refine((value) => {
    try {
      return /^https?:$/.test(new URL(value).protocol);
    } catch {
      // Not a URL at all: the check above has said so already.
      return true;
    }
  }, `${what}: an http(s) URL (not file:, ftp: …)`);

/** A person's name as approvers are compared (NFKC, format characters removed, trimmed, case-folded): never blank. */
const personName = z
  .string()
  .refine((v) => identityKey(v) !== '', 'must name someone (blank, or only invisible characters)')
  .refine((v) => !/\p{Cc}/u.test(v), 'must not contain control characters');

export const environmentConfigSchema = z.strictObject({
  name: z.string().min(1),
  id: z.number().int().positive(),
  apiKey: z.string().min(1),
});

export const cohortConfigSchema = z.strictObject({
  description: z.string().optional(),
  idColumn: z.string().min(1).default('id'),
  sql: z.string().min(1),
  params: z.array(z.enum(['flagOnAt'])).default([]),
});

export const probeConfigSchema = z.strictObject({
  url: httpUrl('probe url'),
  expectJsonPath: z.string().regex(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/, 'a JSON path like $.enabled or $.flags[0].on'),
  expectValue: z.unknown(),
});

export const flagConfigSchema = z.strictObject({
  semantics: z.enum(['symmetric', 'asymmetric']).default('symmetric'),
  notes: z.string().optional(),
  cohort: cohortConfigSchema.optional(),
  probe: probeConfigSchema.optional(),
  /** The rollback's default `--overrides` for this flag (issue 12 §1). */
  overrides: z.enum(['keep', 'disable', 'remove']).default('keep'),
  /** Let the first overriding identities' identifiers into the plan (workflow history); off: counts only. */
  overrideIdentifiers: z.boolean().default(false),
  /** A declared kill switch: an `alerts.rules` entry for it may set `autoApprove: true`. */
  killSwitch: z.boolean().default(false),
});

/**
 * Slack user id (`U0123ABCD`, or `W…` on Enterprise Grid) → the approver identity it stands for.
 * The receiver of Slack's interactions maps the signed request's `user.id` through this, never the
 * name the payload shows (README, "Approvals from Slack").
 */
export const slackUsersSchema = z
  .record(z.string(), personName)
  .superRefine((users, ctx) => {
    for (const id of Object.keys(users)) {
      if (!/^[UW][A-Z0-9]{2,}$/.test(id)) ctx.addIssue({ code: 'custom', path: [id], message: 'a Slack user id like U0123ABCD (a member ID, not a display name)' });
    }
  })
  .default({});

/** Where Slack messages go (README, "Approvals from Slack"); the tokens stay in the environment. */
export const slackConfigSchema = z.strictObject({
  /** Slack's Web API root (`chat.postMessage` is under it); tests point it at a local stand-in. */
  apiUrl: httpUrl('slack.apiUrl').default('https://slack.com/api'),
  /** The channel the interactive approval message is posted to with SLACK_BOT_TOKEN (`C0123ABCD` or `#incidents`). */
  channel: z
    .string()
    .regex(/^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{2,})$/, 'slack.channel: a channel id like C0123ABCD or a name like #incidents')
    .optional(),
  /** Send the "approval needed" message when a plan is ready (default true). */
  approvalNeeded: z.boolean().default(true),
});

export const configSchema = z.strictObject({
  flagsmith: z.strictObject({
    apiUrl: httpUrl('apiUrl').default('https://api.flagsmith.com'),
    sdkUrl: httpUrl('sdkUrl').optional(),
    projectId: z.number().int().positive(),
    environments: z.array(environmentConfigSchema).min(1).superRefine(uniqueEnvironments),
    /** Per-request timeout of the Flagsmith client. */
    timeout: duration('10s', durationLimits.flagsmithTimeout),
    /** Admin API requests per minute this worker may start (SaaS throttles them); off by default. */
    requestsPerMinute: z.number().int().min(1).max(100_000).optional(),
  }),
  approval: z
    .strictObject({
      approvers: z.array(personName).min(1),
      distinctFromRequester: z.boolean().default(true),
      timeout: duration('30m', durationLimits.approvalTimeout),
      slackUsers: slackUsersSchema,
    })
    .optional(),
  slack: slackConfigSchema.optional(),
  rollback: z
    .strictObject({
      cacheWait: duration('60s', durationLimits.cacheWait),
      verifyTimeout: duration('5m', durationLimits.verifyTimeout),
    })
    .prefault({}),
  flags: z.record(z.string(), flagConfigSchema).default({}),
  documentSync: z
    .strictObject({
      backoffBase: duration('1s', durationLimits.backoffBase),
      maxAttempts: z.number().int().min(1).max(30).default(6),
      reconcileEvery: duration('10m', durationLimits.reconcileEvery),
      minPassInterval: duration('3s', durationLimits.minPassInterval),
    })
    .prefault({}),
  alerts: alertsConfigSchema.optional(),
})
  .superRefine(checkAlertRules);

export type FlagopsConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;
export type FlagConfig = z.output<typeof flagConfigSchema>;
export type CohortConfig = z.output<typeof cohortConfigSchema>;
export type ProbeConfig = z.output<typeof probeConfigSchema>;
export type SlackConfig = z.output<typeof slackConfigSchema>;
