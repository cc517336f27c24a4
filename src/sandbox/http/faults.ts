/**
 * Fault injection: rules that, for the next N matching requests, delay, answer a fixed status,
 * reset the connection, or handle the request and then drop its answer; and a bounded log of every
 * request served, so tests can count calls.
 */
import { z } from 'zod';

export const faultRuleSchema = z
  .strictObject({
    /** HTTP method, or `*` (default) for any. */
    method: z.string().default('*'),
    /** Glob over the path: `*` matches any run of characters (slashes included). */
    path: z.string().optional(),
    /** Regular expression over the path; used instead of `path` when given. */
    pathRegex: z.string().optional(),
    /** How many matching requests the rule affects. */
    count: z.int().positive().default(1),
    latencyMs: z.int().nonnegative().optional(),
    status: z.int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    /** Seconds, sent as `Retry-After` (meant for 429 and 503). */
    retryAfter: z.int().nonnegative().optional(),
    reset: z.boolean().optional(),
    /** Handle the request for real, then drop the answer (a proxy losing it after the server acted). */
    dropAnswer: z.boolean().optional(),
  })
  .refine((r) => r.path !== undefined || r.pathRegex !== undefined, { message: 'give path (a glob) or pathRegex' })
  .refine((r) => r.latencyMs !== undefined || r.status !== undefined || r.reset === true || r.dropAnswer === true, {
    message: 'give latencyMs, status, reset: true or dropAnswer: true',
  });

/** A rule as posted to `/__sandbox/faults`. */
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export interface FaultRule extends z.output<typeof faultRuleSchema> {
  id: number;
  /** Requests still to affect. */
  remaining: number;
}

export interface ServedRequest {
  at: string;
  method: string;
  path: string;
  query: string;
  status: number;
  /** What a rule did to this request, if anything. */
  injected: 'latency' | 'status' | 'reset' | 'dropped' | null;
  ruleId: number | null;
}

const globToRegex = (glob: string): RegExp =>
  new RegExp(`^${glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/** The sandbox's fault rules and served-request log, kept in memory for the server's lifetime. */
export class Faults {
  private list: (FaultRule & { regex: RegExp })[] = [];
  private served: ServedRequest[] = [];
  private nextId = 1;

  constructor(private readonly logLimit = 5000) {}

  /** Add a rule. @throws z.ZodError for an invalid rule. */
  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleSchema.parse(input);
    const regex = parsed.pathRegex !== undefined ? new RegExp(parsed.pathRegex) : globToRegex(parsed.path ?? '*');
    const rule = { ...parsed, id: this.nextId++, remaining: parsed.count, regex };
    this.list.push(rule);
    return this.describe(rule);
  }

  /** The first live rule matching the request, consumed by one. */
  take(method: string, path: string): FaultRule | undefined {
    const rule = this.list.find(
      (r) => r.remaining > 0 && (r.method === '*' || r.method.toUpperCase() === method) && r.regex.test(path),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    return this.describe(rule);
  }

  /** Every rule added since the last `clear()`, spent ones included. */
  rules(): FaultRule[] {
    return this.list.map((r) => this.describe(r));
  }

  /** Log one served request; the oldest entries go beyond `logLimit` (default 5000). */
  record(entry: ServedRequest): void {
    this.served.push(entry);
    if (this.served.length > this.logLimit) this.served.splice(0, this.served.length - this.logLimit);
  }

  /** The served requests, oldest first (a copy). */
  log(): ServedRequest[] {
    return [...this.served];
  }

  /** Drop every rule and the log. */
  clear(): void {
    this.list = [];
    this.served = [];
  }

  private describe(rule: FaultRule & { regex?: RegExp }): FaultRule {
    const { regex: _regex, ...rest } = rule;
    return { ...rest };
  }
}
