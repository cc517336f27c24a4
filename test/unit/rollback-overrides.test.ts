/** Building an identity for a segment from its rules (verify's segment check), without a server. */
import { describe, expect, it } from 'vitest';
import { traitsForSegment } from '../../activities/rollback-overrides.js';

const equal = (property: string, value: string) => ({ operator: 'EQUAL', property, value });

describe('traitsForSegment', () => {
  it('takes one EQUAL condition of an ANY rule and every one of an ALL rule', () => {
    expect(traitsForSegment([{ type: 'ALL', conditions: [], rules: [{ type: 'ANY', conditions: [equal('tier', 'beta'), equal('tier', 'alpha')] }] }])).toEqual([
      { trait_key: 'tier', trait_value: 'beta' },
    ]);
    expect(traitsForSegment([{ type: 'ALL', conditions: [equal('tier', 'beta'), equal('region', 'eu')], rules: [] }])).toEqual([
      { trait_key: 'tier', trait_value: 'beta' },
      { trait_key: 'region', trait_value: 'eu' },
    ]);
  });

  it('gives up where EQUAL alone cannot satisfy the rules', () => {
    expect(traitsForSegment([{ type: 'ALL', conditions: [{ operator: 'REGEX', property: 'email', value: '.*@x' }], rules: [] }])).toBeNull();
    expect(traitsForSegment([{ type: 'NONE', conditions: [equal('tier', 'beta')], rules: [] }])).toBeNull();
    expect(traitsForSegment([{ type: 'ALL', conditions: [equal('tier', 'beta'), equal('tier', 'ga')], rules: [] }])).toBeNull();
    expect(traitsForSegment([])).toBeNull();
  });
});
