#!/usr/bin/env node
// The flagops CLI. `npm ci` builds dist/ (scripts/build.ts, the `prepare` script); the bin runs it
// while it is newer than every source file, so commands answer without compiling anything. An
// edited checkout (or one without a build) runs its TypeScript sources through tsx instead, so
// what runs is always what is on disk.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/cli/main.js', root);

/** The newest modification time of any file below `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const fresh = existsSync(built) && ['src/', 'workflows/', 'activities/'].every((dir) => newest(new URL(dir, root)) <= statSync(built).mtimeMs);
let main;
if (fresh) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
