/**
 * `flagops rollback` options → the workflow's {@link RollbackInput}, validated with zod before
 * anything connects or starts. Every error is a ConfigError naming the option to fix (exit 2).
 */
import { z } from 'zod';
import { durationLimits } from '../config/duration.js';
import { durationOption } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import type { FlagopsConfig } from '../config/schema.js';
import { ValueConversionError, parseValueText, valueTypes } from '../flagsmith/values.js';
import { rollbackInputProblems } from '../rollback/input.js';
import type { RollbackInput, RollbackTarget } from '../../workflows/rollback/messages.js';

/** The options object commander hands to the `rollback` action. */
export interface RollbackCliOptions {
  env?: string[];
  partialReason?: string;
  enable?: boolean;
  disable?: boolean;
  value?: string;
  valueType?: string;
  reason?: string;
  incident?: string;
  as?: string;
  pr?: string;
  cacheWait?: string;
  approvalTimeout?: string;
  verifyTimeout?: string;
  flagOnAt?: string;
  keepScheduled?: boolean;
  overrides?: string;
  wait?: boolean;
  json?: boolean;
}

/** What the command does besides starting: wait and print, or just start. */
export interface RollbackRequest {
  input: RollbackInput;
  wait: boolean;
  json: boolean;
}

/** Option names as the user types them, for messages (zod paths are the keys). */
const optionNames: Record<string, string> = {
  environments: '--env',
  target: '--value',
  'target.value': '--value',
  requestedBy: '--as',
  incidentId: '--incident',
  cacheWaitMs: '--cache-wait',
  approvalTimeoutMs: '--approval-timeout',
  verifyTimeoutMs: '--verify-timeout',
  overrides: '--overrides',
  flag: '<flag>',
  env: '--env',
  partialReason: '--partial-reason',
  value: '--value',
  valueType: '--value-type',
  reason: '--reason',
  incident: '--incident',
  as: '--as',
  pr: '--pr',
  flagOnAt: '--flag-on-at',
};

const trimmed = z.string().trim();

/**
 * The command line's own shape (strings, trimmed). What makes an input valid — lengths, the flag
 * name, the PR reference, names, bounds — is the one input schema's (`src/rollback/input.ts`).
 */
const schema = z.object({
  flag: z.string(),
  env: z.array(z.string()).optional(),
  partialReason: trimmed.optional(),
  enable: z.boolean().optional(),
  disable: z.boolean().optional(),
  value: z.string().optional(),
  valueType: z.enum(valueTypes as ['unicode', 'int', 'bool'], { message: 'one of unicode, int, bool' }).optional(),
  reason: trimmed.optional(),
  incident: trimmed.optional(),
  as: trimmed.optional(),
  pr: z.string().optional(),
  // Checked here too: it is converted to UTC ISO before the input schema sees it.
  flagOnAt: z.iso.datetime({ offset: true, message: 'an ISO date-time with offset, e.g. 2026-05-22T09:00:00Z' }).optional(),
});

function usage(message: string): ConfigError {
  return new ConfigError(`${message}\nSee: flagops rollback --help`);
}

/** Environment names given to `--env` (repeatable, or comma-separated) matched to the config's names. */
function selectEnvironments(given: string[], config: FlagopsConfig): string[] {
  const configured = config.flagsmith.environments.map((e) => e.name);
  const names = given.flatMap((g) => g.split(',')).map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) throw usage('--env: name at least one environment');
  const selected: string[] = [];
  for (const name of names) {
    // Case-insensitive so `--env production` works; the workflow gets the configured spelling.
    const match = configured.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!match) throw usage(`--env: unknown environment ${JSON.stringify(name)} (configured in flagsmith.environments: ${configured.join(', ')})`);
    if (!selected.includes(match)) selected.push(match);
  }
  return configured.filter((c) => selected.includes(c));
}

function target(options: z.output<typeof schema>): RollbackTarget {
  if (options.enable && options.disable) throw usage('--enable and --disable: give at most one');
  if (options.valueType !== undefined && options.value === undefined) throw usage('--value-type: only with --value');
  const result: RollbackTarget = { enabled: options.enable === true };
  if (options.value === undefined) return result;
  if (options.valueType === undefined) {
    // Typed by the workflow as the flag's current value type (SPEC §3): the CLI cannot know it.
    result.value = options.value;
    return result;
  }
  try {
    result.value = parseValueText(options.value, options.valueType);
  } catch (error) {
    if (error instanceof ValueConversionError) throw usage(`--value: ${error.message} (--value-type ${options.valueType})`);
    throw error;
  }
  result.valueType = options.valueType;
  return result;
}

/**
 * Validate the command line of `rollback <flag>` against the configuration.
 * @param defaultUser who `--as` defaults to (the OS user).
 * @throws ConfigError naming the option to fix.
 */
export function parseRollbackOptions(flag: string, raw: RollbackCliOptions, config: FlagopsConfig, defaultUser: string): RollbackRequest {
  const parsed = schema.safeParse({ ...raw, flag });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw usage(`${optionNames[key] ?? key}: ${issue?.message ?? 'invalid'}`);
  }
  const options = parsed.data;
  const input: RollbackInput = {
    flag: options.flag,
    target: target(options),
    requestedBy: options.as ?? defaultUser,
  };
  if (options.reason !== undefined) input.reason = options.reason;
  if (options.incident !== undefined) input.incidentId = options.incident;
  if (options.env !== undefined) {
    const environments = selectEnvironments(options.env, config);
    const subset = environments.length < config.flagsmith.environments.length;
    if (subset && options.partialReason === undefined) {
      throw usage(
        `--partial-reason is required with --env ${environments.join(',')}: a rollback flips every configured environment unless you say why not (the approver sees it)`,
      );
    }
    if (subset) {
      input.environments = environments;
      input.partialReason = options.partialReason;
    }
  }
  // Not dropped silently: the approver would never see it.
  if (options.partialReason !== undefined && input.environments === undefined) {
    throw usage('--partial-reason: only with --env naming a subset of the environments');
  }
  if (options.pr !== undefined) input.pr = options.pr;
  if (options.flagOnAt !== undefined) input.flagOnAt = new Date(options.flagOnAt).toISOString();
  if (raw.keepScheduled) input.keepScheduled = true;
  // Absent: the flag's configured default (`flags.<flag>.overrides`), applied on the worker.
  if (raw.overrides !== undefined) input.overrides = raw.overrides as RollbackInput['overrides'];
  if (raw.cacheWait !== undefined) input.cacheWaitMs = durationOption('--cache-wait', raw.cacheWait, durationLimits.cacheWait);
  if (raw.approvalTimeout !== undefined) input.approvalTimeoutMs = durationOption('--approval-timeout', raw.approvalTimeout, durationLimits.approvalTimeout);
  if (raw.verifyTimeout !== undefined) input.verifyTimeoutMs = durationOption('--verify-timeout', raw.verifyTimeout, durationLimits.verifyTimeout);
  // The one input schema the starter and the worker apply too.
  const problem = rollbackInputProblems(input)[0];
  if (problem) throw usage(`${optionNames[problem.field] ?? problem.field}: ${problem.message}`);
  return { input, wait: raw.wait !== false, json: raw.json === true };
}
