/**
 * Flagsmith feature-state values, both shapes, and the conversions between them.
 *
 * Flagsmith shows a value in two shapes: *flat* (`int | string | bool | null`) on the GET endpoints
 * (environment featurestates, `/flags/`, the environment document) and as a *dict*
 * `{type, string_value, integer_value, boolean_value}` in version bodies and version featurestates.
 * A JSON config value (seed 002's remote-config flags, STANDARD features, e.g. `["decided_on_destination"]`) is a `unicode`
 * string holding the JSON text.
 *
 * Pure functions without imports: safe to use from workflow code. They throw
 * {@link ValueConversionError} for a value that does not fit its type; workflow code should
 * validate its input with them before anything is scheduled.
 */

/** Flagsmith's stored value types (`api/features/value_types.py`); `"string"` is not one of them. */
export type ValueType = 'unicode' | 'int' | 'bool';

/** Every {@link ValueType}, e.g. for a `--value-type` choice or a zod enum. */
export const valueTypes: readonly ValueType[] = ['unicode', 'int', 'bool'];

/** A value as the GET endpoints show it. */
export type FlatValue = string | number | boolean | null;

/** A value as version POST bodies and version featurestates carry it. */
export interface FeatureStateValue {
  type: ValueType;
  string_value: string | null;
  integer_value: number | null;
  boolean_value: boolean | null;
}

/** Flagsmith's integer values are 32-bit: its type inference needs `abs(v) < 2147483647`. */
export const MAX_INTEGER_VALUE = 2_147_483_646;

/** Integer text as Flagsmith's `int(value)` reads it (surrounding blanks allowed). */
const integerText = /^\s*[-+]?\d+\s*$/;

/** The spellings Flagsmith's own string-to-type inference takes for a boolean. */
const booleanSpellings: ReadonlySet<string> = new Set(['true', 'True', 'false', 'False']);

/** A value that cannot be expressed in the requested type. */
export class ValueConversionError extends Error {
  override readonly name = 'ValueConversionError';
}

/** Whether `value` names one of Flagsmith's stored value types. */
export function isValueType(value: unknown): value is ValueType {
  return value === 'unicode' || value === 'int' || value === 'bool';
}

/**
 * The type a flat value from a GET endpoint is stored as: numbers are `int` (a non-integer
 * number can only have come from a string, so `unicode`), booleans `bool`, strings and `null`
 * `unicode` (Flagsmith's default type for a flag without a value).
 */
export function inferValueType(value: FlatValue): ValueType {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' && Number.isInteger(value)) return 'int';
  return 'unicode';
}

/**
 * The type Flagsmith gives a value that arrives as text, such as a feature's `initial_value` when
 * it creates the first feature states (`get_value_type`): a 32-bit integer is `int`,
 * `true`/`True`/`false`/`False` is `bool`, anything else (JSON config text included) `unicode`.
 */
export function valueTypeOfText(text: string): ValueType {
  if (integerText.test(text) && Math.abs(Number(text)) <= MAX_INTEGER_VALUE) return 'int';
  if (booleanSpellings.has(text)) return 'bool';
  return 'unicode';
}

/**
 * Convert a flat value into the dict a version body needs, with all three value fields present
 * (a missing field would leave Flagsmith's stored field unchanged).
 * @param type defaults to {@link inferValueType}. `null` stays `null` in any type.
 * @throws ValueConversionError when `value` cannot be read as `type` (e.g. `"abc"` as `int`).
 */
export function toFeatureStateValue(value: FlatValue, type: ValueType = inferValueType(value)): FeatureStateValue {
  const dict: FeatureStateValue = { type, string_value: null, integer_value: null, boolean_value: null };
  if (value === null) return dict;
  switch (type) {
    case 'unicode':
      dict.string_value = typeof value === 'string' ? value : String(value);
      return dict;
    case 'int':
      dict.integer_value = toInteger(value);
      return dict;
    case 'bool':
      dict.boolean_value = toBoolean(value);
      return dict;
  }
}

/** The flat value a dict stands for: the field its `type` names. */
export function fromFeatureStateValue(dict: FeatureStateValue): FlatValue {
  switch (dict.type) {
    case 'unicode':
      return dict.string_value;
    case 'int':
      return dict.integer_value;
    case 'bool':
      return dict.boolean_value;
  }
}

/**
 * Read a value typed on a command line (`--value V --value-type T`).
 * @throws ValueConversionError when `text` is not a value of `type`.
 */
export function parseValueText(text: string, type: ValueType): FlatValue {
  return fromFeatureStateValue(toFeatureStateValue(text, type));
}

/** The `unicode` text a JSON config value is stored as (`["a"]` → `'["a"]'`). */
export function configValueText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new ValueConversionError('a config value must be JSON-serialisable');
  return text;
}

/**
 * Whether two flat values are the same stored value. JSON array/object texts compare by meaning,
 * so a config value re-serialised with other spacing or key order is still equal.
 */
export function flatValuesEqual(a: FlatValue, b: FlatValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const pa = tryJson(a);
  const pb = tryJson(b);
  return pa.ok && pb.ok && isStructured(pa.value) && isStructured(pb.value) && canonical(pa.value) === canonical(pb.value);
}

function toInteger(value: string | number | boolean): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && integerText.test(value)) n = Number(value);
  else throw new ValueConversionError(`not an integer value: ${JSON.stringify(value)}`);
  if (!Number.isInteger(n) || Math.abs(n) > MAX_INTEGER_VALUE) {
    throw new ValueConversionError(`not a 32-bit integer value: ${JSON.stringify(value)}`);
  }
  return n;
}

function toBoolean(value: string | number | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && booleanSpellings.has(value)) return value.toLowerCase() === 'true';
  throw new ValueConversionError(`not a boolean value: ${JSON.stringify(value)}`);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function isStructured(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
