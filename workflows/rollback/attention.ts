/**
 * `needs_attention` (SPEC §3): the run waits for an approver's `resolve {by, action}`, as a Signal
 * or an Update with the same wire name and payload. Only the actions the state machine offers at
 * that moment are accepted; everything else is recorded as refused (and returned, for an Update).
 */
import { condition, setHandler } from '@temporalio/workflow';
import { resolveSignal, resolveUpdate, type MessageKind, type ResolveAction, type ResolvePayload, type Verdict } from './messages.js';
import type { Choice } from './rollout.js';
import type { RollbackRun } from './run.js';
import { cut, isApprover, parseResolve } from './signals.js';
import { spokenDuration } from './state.js';

/** How long `needs_attention` waits for `resolve` by default before the run ends with that status. */
export const DEFAULT_ATTENTION_TIMEOUT_MS = 7 * 24 * 3_600_000;

export class AttentionDesk {
  private resolution: ResolvePayload | null = null;

  constructor(
    private readonly run: RollbackRun,
    private readonly timeoutMs: number,
  ) {
    setHandler(resolveSignal, (raw) => void this.receive('signal', raw));
    setHandler(resolveUpdate, (raw) => this.receive('update', raw), {
      validator: (raw: unknown) => {
        const parsed = parseResolve(raw);
        if (!parsed.ok) throw new Error(parsed.reason);
      },
    });
  }

  /** Judge one `resolve`. Never throws: anything unexpected is a recorded refusal. */
  private receive(via: MessageKind, raw: unknown): Verdict {
    const run = this.run;
    try {
      const parsed = parseResolve(raw);
      if (!parsed.ok) return run.refuse('resolve', via, raw, parsed.reason, parsed);
      const { value } = parsed;
      const s = run.status;
      if (s.status !== 'needs_attention' || !s.attention) return run.refuse('resolve', via, value, `nothing to resolve: the rollback is ${s.status}`);
      if (!s.plan || !isApprover(s.plan, value.by)) return run.refuse('resolve', via, value, `${value.by} is not a configured approver`);
      if (this.resolution !== null) return run.refuse('resolve', via, value, 'already resolved');
      if (!s.attention.actions.includes(value.action)) {
        return run.refuse('resolve', via, value, `"${value.action}" is not possible now (possible: ${s.attention.actions.join(', ')})`);
      }
      this.resolution = value;
      return run.accept({ signal: 'resolve', via, by: value.by, comment: null, reason: null, action: value.action, planHash: s.plan.planHash, requestId: value.requestId ?? null });
    } catch (error) {
      return run.refuse('resolve', via, raw, `could not be processed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Enter `needs_attention` in `phase` and wait for a `resolve` offering `actions`; null when nobody answered in time. */
  async awaitResolution(phase: 'publish' | 'verify', reason: string, actions: ResolveAction[]): Promise<Choice | null> {
    const run = this.run;
    const s = run.status;
    this.resolution = null;
    s.attention = { reason: cut(reason), since: run.now(), actions, phase };
    run.setStatus('needs_attention', phase);
    run.memo();
    const resolved = await condition(() => this.resolution !== null, this.timeoutMs, {
      summary: `wait up to ${spokenDuration(this.timeoutMs)} for an approver to resolve (${actions.join(', ')})`,
    });
    s.attention = null;
    const resolution = this.current();
    return resolved && resolution ? { action: resolution.action, by: resolution.by } : null;
  }

  /** Read through a method: TypeScript cannot see that message handlers assign `resolution`. */
  private current(): ResolvePayload | null {
    return this.resolution;
  }
}
