/**
 * The rollback's per-environment state machine without a server: the decisions of
 * `environments.ts` on their own, then the very loops the workflow runs (`rollout.ts`) driven by
 * scripted effects through every order of failure for 1, 2, 3 and 5 environments. A simulated
 * Flagsmith records what each environment really serves, and every run is checked against it.
 */
import { describe, expect, it } from 'vitest';
import {
  decideAfterPublishing,
  describeStates,
  endOf,
  servesOf,
  type EnvironmentEntry,
  type EnvironmentState,
} from '../../workflows/rollback/environments.js';
import type { ResolveAction } from '../../workflows/rollback/messages.js';
import { endingOf, publishEverywhere, verifyEverywhere, type Choice, type Ending } from '../../workflows/rollback/rollout.js';

const entry = (name: string, state: EnvironmentState, error: string | null = null): EnvironmentEntry => ({ name, state, error });

describe('the decisions', () => {
  it('what each state serves', () => {
    expect(['pending', 'failed', 'reverted'].map((s) => servesOf(s as EnvironmentState))).toEqual(['before', 'before', 'before']);
    expect(['published', 'verified', 'revert_failed'].map((s) => servesOf(s as EnvironmentState))).toEqual(['target', 'target', 'target']);
    expect(servesOf('reverting')).toBe('unknown');
  });

  it('forward: all published proceeds, a mix offers retry/revert/accept, nothing published ends failed', () => {
    expect(decideAfterPublishing([entry('A', 'published'), entry('B', 'published')], 'forward', false)).toEqual({ kind: 'proceed' });
    expect(decideAfterPublishing([entry('A', 'published'), entry('B', 'failed', '400: no')], 'forward', false)).toEqual({
      kind: 'attention',
      actions: ['retry', 'revert', 'accept'],
      reason: 'published in A but failed in B (400: no)',
    });
    expect(decideAfterPublishing([entry('A', 'failed', 'x'), entry('B', 'failed', 'y')], 'forward', false)).toEqual({
      kind: 'end',
      status: 'failed',
      detail: 'nothing was published: A: x; B: y',
    });
  });

  it('backward: retry is never offered again, and a full revert ends failed', () => {
    const partial = [entry('A', 'reverted'), entry('B', 'revert_failed', '502'), entry('C', 'failed')];
    expect(decideAfterPublishing(partial, 'backward', false)).toMatchObject({ kind: 'attention', actions: ['revert', 'accept'] });
    expect(decideAfterPublishing([entry('A', 'reverted'), entry('B', 'reverted'), entry('C', 'failed')], 'backward', false)).toMatchObject({
      kind: 'end',
      status: 'failed',
    });
  });

  it('a cancel while publishing: revert or accept what was published, never retry', () => {
    expect(decideAfterPublishing([entry('A', 'published'), entry('B', 'published')], 'forward', true)).toMatchObject({
      kind: 'attention',
      actions: ['revert', 'accept'],
    });
    expect(decideAfterPublishing([entry('A', 'failed'), entry('B', 'failed')], 'forward', true)).toMatchObject({ kind: 'end', status: 'cancelled' });
  });

  it('completed only when every environment is verified; a mix needs attention; nothing serving the target failed', () => {
    expect(endOf([entry('A', 'verified'), entry('B', 'verified')]).status).toBe('completed');
    expect(endOf([entry('A', 'verified'), entry('B', 'published')]).status).toBe('needs_attention');
    expect(endOf([entry('A', 'reverted'), entry('B', 'revert_failed')]).status).toBe('needs_attention');
    expect(endOf([entry('A', 'reverted'), entry('B', 'failed')]).status).toBe('failed');
    expect(describeStates([entry('A', 'verified'), entry('B', 'revert_failed')])).toBe('A verified, B revert failed');
  });

  it('seed 002 defect: A, B published, C failed; revert fails in B; retry is no longer possible', () => {
    const envs = [entry('A', 'published'), entry('B', 'published'), entry('C', 'failed')];
    expect(decideAfterPublishing(envs, 'forward', false)).toMatchObject({ actions: ['retry', 'revert', 'accept'] });
    envs[0]!.state = 'reverted';
    envs[1]!.state = 'revert_failed';
    const next = decideAfterPublishing(envs, 'backward', false);
    expect(next).toMatchObject({ kind: 'attention', actions: ['revert', 'accept'] });
    expect(endOf(envs).status).toBe('needs_attention');
  });
});

// ---------------------------------------------------------------------------------------------
// Every order of failure: depth-first over the answers of a scripted Flagsmith and approver.

/** One answer the script gives: an outcome bitmask for a round of calls, or the index of a choice. */
type Script = number[];

/** Raised when the script runs out: `options` is how many answers the next question has. */
class Branch extends Error {
  constructor(readonly options: number) {
    super('branch');
  }
}

interface RunRecord {
  ending: Ending;
  envs: EnvironmentEntry[];
  /** What the simulated Flagsmith serves in each environment at the end. */
  serves: Record<string, 'before' | 'target'>;
  offered: { actions: ResolveAction[]; afterRevert: boolean }[];
  published: Record<string, number>;
}

/** Run the publish and verify loops once, answering every question from `script`. */
async function simulate(names: string[], script: Script, options: { cancelled: boolean; maxAttention: number }): Promise<RunRecord> {
  let cursor = 0;
  const answer = (count: number): number => {
    if (cursor < script.length) return script[cursor++] ?? 0;
    throw new Branch(count);
  };
  const envs = names.map((n) => entry(n, 'pending'));
  const serves: Record<string, 'before' | 'target'> = Object.fromEntries(names.map((n) => [n, 'before']));
  const published: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const offered: RunRecord['offered'] = [];
  let reverted = false;
  let attentions = 0;
  const awaitResolution = (_reason: string, actions: ResolveAction[]): Promise<Choice | null> => {
    offered.push({ actions, afterRevert: reverted });
    if (++attentions > options.maxAttention) return Promise.resolve(null);
    // One more option than actions: nobody answers in time.
    const pick = answer(actions.length + 1);
    const action = actions[pick];
    if (action === 'revert') reverted = true;
    return Promise.resolve(action ? { action, by: 'sd' } : null);
  };
  const round = (targets: string[]) => {
    const mask = answer(2 ** targets.length);
    return Object.fromEntries(targets.map((n, i) => [n, (mask >> i) & 1 ? null : `injected failure in ${n}`]));
  };
  const publish = await publishEverywhere(envs, {
    publish: (targets, _op, direction) => {
      const results = round(targets);
      for (const n of targets) {
        if (results[n] !== null) continue;
        serves[n] = direction === 'forward' ? 'target' : 'before';
        if (direction === 'forward') published[n] = (published[n] ?? 0) + 1;
      }
      return Promise.resolve(results);
    },
    awaitResolution,
    cancelled: () => options.cancelled,
  });
  if (publish.kind === 'end') return { ending: publish, envs, serves, offered, published };
  const verify = await verifyEverywhere(envs, {
    verify: (targets) => {
      const mask = answer(2 ** targets.length);
      return Promise.resolve(Object.fromEntries(targets.map((n, i) => [n, ((mask >> i) & 1) === 1])));
    },
    roundFits: () => false,
    pause: () => Promise.resolve(),
    restartDeadline: () => undefined,
    cancelled: () => options.cancelled,
    explain: (targets) => targets.join(', '),
    awaitResolution,
  });
  if (verify.kind === 'end') return { ending: verify, envs, serves, offered, published };
  return { ending: endingOf(envs, publish.acceptedBy ?? verify.acceptedBy), envs, serves, offered, published };
}

/** Every run the script can produce, depth first. */
async function everyRun(names: string[], options: { cancelled: boolean; maxAttention: number }, visit: (run: RunRecord, script: Script) => void): Promise<number> {
  let runs = 0;
  const stack: Script[] = [[]];
  while (stack.length > 0) {
    const script = stack.pop() ?? [];
    try {
      visit(await simulate(names, script, options), script);
      runs += 1;
    } catch (error) {
      if (!(error instanceof Branch)) throw error;
      for (let i = 0; i < error.options; i++) stack.push([...script, i]);
    }
  }
  return runs;
}

function checkInvariants(run: RunRecord, script: Script): void {
  const where = `script ${JSON.stringify(script)}: ${run.ending.status} (${describeStates(run.envs)})`;
  // The state machine and the (simulated) Flagsmith agree on what every environment serves.
  for (const env of run.envs) expect(servesOf(env.state), `${where}: ${env.name}`).toBe(run.serves[env.name]);
  // SPEC §3: completed only when every environment serves the target and was verified.
  if (run.ending.status === 'completed') {
    expect(run.envs.every((e) => e.state === 'verified'), where).toBe(true);
    expect(Object.values(run.serves).every((s) => s === 'target'), where).toBe(true);
  }
  // Failed (or cancelled) only when nothing serves the target: never one environment flipped silently.
  if (run.ending.status === 'failed' || run.ending.status === 'cancelled') {
    const flipped = Object.entries(run.serves).filter(([, s]) => s === 'target');
    if (flipped.length > 0) {
      // A cancel whose published state an approver accepted ends cancelled, and says so.
      expect(run.ending.detail, where).toMatch(/accepted as is/);
    }
  }
  // A mix is never completed, and never silent: the ending names each environment's state.
  const mixed = new Set(Object.values(run.serves)).size > 1;
  if (mixed) {
    expect(run.ending.status, where).not.toBe('completed');
    if (run.ending.status === 'needs_attention' && !/^nobody resolved|^cancelled/.test(run.ending.detail)) {
      for (const env of run.envs) expect(run.ending.detail, where).toContain(env.name);
    }
  }
  // After a revert was chosen, retry is never offered again.
  for (const offer of run.offered) if (offer.afterRevert) expect(offer.actions, where).not.toContain('retry');
  // Never published twice in one environment by the forward direction.
  for (const [name, count] of Object.entries(run.published)) expect(count, `${where}: ${name}`).toBeLessThanOrEqual(1);
}

describe('every order of failure', () => {
  for (const [count, maxAttention] of [
    [1, 3],
    [2, 3],
    [3, 3],
    [5, 2],
  ] as const) {
    const names = ['Production', 'Development', 'Staging', 'QA', 'Demo'].slice(0, count);
    it(`${count} environment${count > 1 ? 's' : ''}: every publish, revert, retry and verify outcome and every resolve keeps the invariants`, async () => {
      const endings = new Map<string, number>();
      let runs = 0;
      for (const cancelled of [false, true]) {
        runs += await everyRun(names, { cancelled, maxAttention }, (run, script) => {
          checkInvariants(run, script);
          endings.set(run.ending.status, (endings.get(run.ending.status) ?? 0) + 1);
        });
      }
      // The enumeration reaches every kind of ending (so the invariants were exercised on each).
      expect([...endings.keys()].sort()).toEqual(['cancelled', 'completed', 'failed', 'needs_attention']);
      expect(runs).toBeGreaterThan(10);
    });
  }

  it('the defect of three environments: A, B published, C failed; revert A ok, B fails; the run cannot end completed', async () => {
    const names = ['A', 'B', 'C'];
    // Forward: A and B succeed (bits 0 and 1), C fails. Attention: revert (index 1). Revert round over A, B: A ok, B fails.
    // Attention again: [revert, accept]; accept (index 1).
    const run = await simulate(names, [0b011, 1, 0b01, 1], { cancelled: false, maxAttention: 3 });
    expect(run.envs.map((e) => e.state)).toEqual(['reverted', 'revert_failed', 'failed']);
    expect(run.offered.map((o) => o.actions)).toEqual([
      ['retry', 'revert', 'accept'],
      ['revert', 'accept'],
    ]);
    expect(run.ending).toMatchObject({ status: 'needs_attention', detail: 'accepted as is by sd: A reverted, B revert failed, C failed', by: 'sd' });
  });
});
