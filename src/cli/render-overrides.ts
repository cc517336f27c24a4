/**
 * The plan's overrides as an approver reads them (issue 12 §1): each segment override of the live
 * version and the identity overrides, what the rollback does to them, and plainly which will
 * still serve their own state afterwards.
 */
import type { EnvironmentPlan, FlatValue, OverridesMode } from '../../workflows/rollback/messages.js';

function valueText(value: FlatValue): string {
  return value === null ? '' : ` ${JSON.stringify(value)}`;
}

/** The lines under one environment of the plan; none for a plan recorded before overrides were read. */
export function overrideLines(env: EnvironmentPlan, mode: OverridesMode, indent: string): string[] {
  const overrides = env.overrides;
  if (!overrides) return [];
  const lines: string[] = [];
  const on = (enabled: boolean) => (enabled ? 'ON' : 'OFF');
  for (const s of overrides.segments) {
    const fate = s.stillServesOld ? `STILL SERVES ${on(s.enabled)} after the rollback (--overrides ${mode})` : `${s.action} (--overrides ${mode})`;
    lines.push(`${indent}segment override "${s.segment}" (segment ${s.segmentId}): ${on(s.enabled)}${valueText(s.value)} — ${fate}`);
  }
  const ids = overrides.identities;
  if (ids.count > 0) {
    const who = ids.identifiers ? `: ${ids.identifiers.join(', ')}${ids.cut ? ', …' : ''}` : ' (identifiers not shown: set overrideIdentifiers in the flag config)';
    const fate =
      ids.stillServingOld > 0
        ? `${ids.stillServingOld} STILL SERVE their own state after the rollback (--overrides ${mode})`
        : `${ids.action} (--overrides ${mode})`;
    lines.push(`${indent}identity overrides: ${ids.count} (${ids.differing} differ from the target)${who} — ${fate}`);
  }
  return lines;
}
