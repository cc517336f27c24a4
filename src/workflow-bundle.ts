/**
 * The prebuilt workflow bundle (`dist/workflow-bundle.json`, written by `npm run build`, which
 * `npm ci` runs): the worker starts from it instead of compiling the workflows at every start, but
 * only while it matches the sources — its recorded hash of `workflows/`, `src/`, `activities/` and
 * the lockfile must equal theirs now, so an edited checkout never runs stale workflow code.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectDir } from './paths.js';

/** Where the build writes the bundle. */
export const prebuiltBundlePath = join(projectDir, 'dist', 'workflow-bundle.json');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))
    .sort();
}

/** A hash of everything the workflow bundle is built from (conservatively: any source change counts). */
export function workflowSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...['workflows', 'src', 'activities'].flatMap((d) => files(join(projectDir, d))), join(projectDir, 'package-lock.json')]) {
    hash.update(relative(projectDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** The prebuilt bundle when one is present and matches the sources, else undefined (compile instead). */
export function loadPrebuiltBundle(path = prebuiltBundlePath): { code: string } | undefined {
  if (!existsSync(path)) return undefined;
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { sourceHash?: string; code?: string };
  if (typeof saved.code !== 'string' || saved.sourceHash !== workflowSourceHash()) return undefined;
  return { code: saved.code };
}
