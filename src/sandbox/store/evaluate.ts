/**
 * Segment membership of an identity, as Flagsmith's flag engine decides it: a segment matches when
 * every top-level rule matches; a rule combines its conditions by its type (ALL, ANY, NONE; no
 * conditions matches) and requires every nested rule. The sandbox evaluates the operators a
 * rollback's checks build identities for; any other operator never matches (README, "Differences").
 */
import type { ConditionRow, RuleRow } from './segments.js';

/** A trait value as stored or sent by an SDK. */
export type TraitValue = string | number | boolean | null;

function text(value: TraitValue): string {
  // Python's str() of a bool, as the engine compares condition text to it.
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function sameValue(trait: TraitValue, condition: string): boolean {
  if (typeof trait === 'boolean') return condition.toLowerCase() === String(trait);
  if (typeof trait === 'number') return Number(condition) === trait;
  return text(trait) === condition;
}

/** Operators the sandbox evaluates. */
export const evaluatedOperators = ['EQUAL', 'NOT_EQUAL', 'IN', 'CONTAINS', 'NOT_CONTAINS', 'IS_SET', 'IS_NOT_SET'] as const;

function conditionMatches(condition: Pick<ConditionRow, 'operator' | 'property' | 'value'>, traits: Readonly<Record<string, TraitValue>>): boolean {
  const key = condition.property ?? '';
  const present = Object.prototype.hasOwnProperty.call(traits, key) && traits[key] !== null;
  if (condition.operator === 'IS_SET') return present;
  if (condition.operator === 'IS_NOT_SET') return !present;
  if (!present) return false;
  const trait = traits[key] ?? null;
  const value = condition.value ?? '';
  switch (condition.operator) {
    case 'EQUAL':
      return sameValue(trait, value);
    case 'NOT_EQUAL':
      return !sameValue(trait, value);
    case 'IN':
      return value.split(',').includes(text(trait));
    case 'CONTAINS':
      return text(trait).includes(value);
    case 'NOT_CONTAINS':
      return !text(trait).includes(value);
    default:
      return false;
  }
}

function ruleMatches(rule: RuleRow, traits: Readonly<Record<string, TraitValue>>): boolean {
  const results = rule.conditions.map((c) => conditionMatches(c, traits));
  const conditionsMatch =
    results.length === 0 ? true : rule.type === 'ALL' ? results.every(Boolean) : rule.type === 'ANY' ? results.some(Boolean) : !results.some(Boolean);
  return conditionsMatch && rule.rules.every((nested) => ruleMatches(nested, traits));
}

/** Whether an identity with these traits belongs to a segment with these rules. */
export function segmentMatches(rules: readonly RuleRow[], traits: Readonly<Record<string, TraitValue>>): boolean {
  return rules.length > 0 && rules.every((rule) => ruleMatches(rule, traits));
}
