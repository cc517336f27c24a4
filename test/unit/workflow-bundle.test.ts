/**
 * The prebuilt workflow bundle is used only while it matches the sources it was built from: an
 * edited checkout compiles its workflows instead of running stale code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrebuiltBundle, workflowSourceHash } from '../../src/workflow-bundle.js';

describe('the prebuilt workflow bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flagops-bundle-'));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  it('is used when its hash is that of the sources now', () => {
    expect(loadPrebuiltBundle(write('fresh.json', { sourceHash: workflowSourceHash(), code: 'bundle code' }))).toEqual({ code: 'bundle code' });
  });

  it('is ignored when the sources changed since, when it is missing, or when it holds no code', () => {
    expect(loadPrebuiltBundle(write('stale.json', { sourceHash: 'f'.repeat(64), code: 'old code' }))).toBeUndefined();
    expect(loadPrebuiltBundle(join(dir, 'missing.json'))).toBeUndefined();
    expect(loadPrebuiltBundle(write('empty.json', { sourceHash: workflowSourceHash() }))).toBeUndefined();
  });

  it('hashes the same sources the same way', () => {
    expect(workflowSourceHash()).toBe(workflowSourceHash());
    expect(workflowSourceHash()).toMatch(/^[0-9a-f]{64}$/);
  });
});
