/**
 * Seed 002's Flagsmith project as `examples/sandbox-seed.yaml` creates it: the facts the demo,
 * the benchmarks and the tests configure flagops with, written once.
 */
export const seed002 = {
  projectId: 36214,
  environments: [
    { name: 'Production', id: 85219, apiKey: 'X4CdBvak98wpn6Ljq7eUSs' },
    { name: 'Development', id: 85220, apiKey: 'SCE375zGzViFpGZhWoiK7D' },
  ],
  /** The runbook's asymmetric flag, ON in both environments since 2026-05-22. */
  flag: 'auto_invoke_matcher_on_intake_complete',
  /** A remote-config flag (a STANDARD feature in Flagsmith) whose value is JSON text stored as a `unicode` string. */
  configFlag: 'matcher_trigger_decision_stages',
} as const;

/** The `flagsmith` section of a flagops.yaml pointing at a sandbox seeded with seed 002. */
export function seed002FlagsmithConfig(apiUrl: string): {
  apiUrl: string;
  projectId: number;
  environments: { name: string; id: number; apiKey: string }[];
} {
  return { apiUrl, projectId: seed002.projectId, environments: seed002.environments.map((e) => ({ ...e })) };
}
