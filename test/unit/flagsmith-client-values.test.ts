import { describe, expect, it } from 'vitest';
import {
  ValueConversionError,
  configValueText,
  flatValuesEqual,
  fromFeatureStateValue,
  inferValueType,
  parseValueText,
  toFeatureStateValue,
  valueTypeOfText,
} from '../../src/flagsmith/values.js';
import { classifyVersions, environmentDefaultUpdate, normaliseCreateVersionBody } from '../../src/flagsmith/versions.js';
import type { Version } from '../../src/flagsmith/schemas.js';

describe('inferValueType', () => {
  it('types flat values the way Flagsmith stores them', () => {
    expect(inferValueType(42)).toBe('int');
    expect(inferValueType(true)).toBe('bool');
    expect(inferValueType('42')).toBe('unicode');
    expect(inferValueType(null)).toBe('unicode');
    expect(inferValueType(1.5)).toBe('unicode');
  });
});

describe('valueTypeOfText', () => {
  it("types text as Flagsmith's get_value_type does: 32-bit integers, its four boolean spellings, else unicode", () => {
    expect(['12', ' -7 ', 'True', 'false', '2147483646'].map(valueTypeOfText)).toEqual(['int', 'int', 'bool', 'bool', 'int']);
    expect(['2147483647', '1.5', 'TRUE', 'yes', '["a"]', ''].map(valueTypeOfText)).toEqual(Array(6).fill('unicode'));
  });
});

describe('toFeatureStateValue', () => {
  it('always sends all three value fields', () => {
    expect(toFeatureStateValue('a')).toEqual({ type: 'unicode', string_value: 'a', integer_value: null, boolean_value: null });
    expect(toFeatureStateValue(7)).toEqual({ type: 'int', string_value: null, integer_value: 7, boolean_value: null });
    expect(toFeatureStateValue(false)).toEqual({ type: 'bool', string_value: null, integer_value: null, boolean_value: false });
    expect(toFeatureStateValue(null, 'int')).toEqual({ type: 'int', string_value: null, integer_value: null, boolean_value: null });
  });

  it("stores seed 002's JSON config value as a unicode string", () => {
    const text = configValueText(['decided_on_destination']);
    expect(text).toBe('["decided_on_destination"]');
    expect(toFeatureStateValue(text)).toEqual({ type: 'unicode', string_value: '["decided_on_destination"]', integer_value: null, boolean_value: null });
  });

  it('converts text into the requested type', () => {
    expect(toFeatureStateValue('12', 'int').integer_value).toBe(12);
    expect(toFeatureStateValue('True', 'bool').boolean_value).toBe(true);
    expect(toFeatureStateValue(12, 'unicode').string_value).toBe('12');
  });

  it('refuses values that do not fit the type', () => {
    expect(() => toFeatureStateValue('abc', 'int')).toThrow(ValueConversionError);
    expect(() => toFeatureStateValue(2 ** 31, 'int')).toThrow(ValueConversionError);
    expect(() => toFeatureStateValue(1.5, 'int')).toThrow(ValueConversionError);
    expect(() => toFeatureStateValue('yes', 'bool')).toThrow(ValueConversionError);
  });
});

describe('fromFeatureStateValue and parseValueText', () => {
  it('round-trips flat → dict → flat', () => {
    for (const value of ['x', 3, true, false, null, '["a","b"]']) {
      expect(fromFeatureStateValue(toFeatureStateValue(value))).toEqual(value);
    }
  });

  it('reads the field the type names', () => {
    expect(fromFeatureStateValue({ type: 'int', string_value: 'stale', integer_value: 5, boolean_value: null })).toBe(5);
  });

  it('parses command-line text', () => {
    expect(parseValueText('5', 'int')).toBe(5);
    expect(parseValueText('false', 'bool')).toBe(false);
    expect(parseValueText('["x"]', 'unicode')).toBe('["x"]');
  });
});

describe('flatValuesEqual', () => {
  it('compares JSON config texts by meaning and everything else exactly', () => {
    expect(flatValuesEqual('["a", "b"]', '["a","b"]')).toBe(true);
    expect(flatValuesEqual('{"b":1,"a":2}', '{"a":2,"b":1}')).toBe(true);
    expect(flatValuesEqual('["a"]', '["b"]')).toBe(false);
    expect(flatValuesEqual('1', 1)).toBe(false);
    expect(flatValuesEqual(' 1', '1')).toBe(false);
    expect(flatValuesEqual(null, null)).toBe(true);
  });
});

describe('version helpers', () => {
  const v = (uuid: string, published: boolean, liveFrom: string | null): Version => ({
    uuid,
    published,
    is_live: false,
    live_from: liveFrom,
    created_at: '2026-01-01T00:00:00Z',
    published_by: null,
    created_by: null,
    description: null,
  });
  const now = new Date('2026-05-22T12:00:00Z');

  it('finds the current version and the scheduled ones', () => {
    const versions = [
      v('draft', false, null),
      v('later', true, '2026-06-02T00:00:00Z'),
      v('old', true, '2026-05-01T00:00:00Z'),
      v('current', true, '2026-05-22T09:00:00Z'),
      v('soon', true, '2026-05-23T00:00:00Z'),
    ];
    const { current, scheduled } = classifyVersions(versions, now);
    expect(current?.uuid).toBe('current');
    expect(scheduled.map((s) => s.uuid)).toEqual(['soon', 'later']);
  });

  it('has no current version when nothing is published', () => {
    expect(classifyVersions([v('draft', false, null)], now)).toEqual({ current: null, scheduled: [] });
  });

  it('fills every list of a create body and omits live_from unless given', () => {
    const update = environmentDefaultUpdate(false, toFeatureStateValue(null), 17);
    expect(normaliseCreateVersionBody({ feature_states_to_update: [update] })).toEqual({
      feature_states_to_update: [{ id: 17, enabled: false, feature_segment: null, feature_state_value: toFeatureStateValue(null) }],
      feature_states_to_create: [],
      segment_ids_to_delete_overrides: [],
      publish_immediately: false,
    });
  });
});
