/**
 * `npm run build` (run by `npm ci` as `prepare`): the CLI as an ESM bundle in `dist/cli/`, its
 * commands split into chunks loaded only when they run, and the workflow bundle the worker starts
 * from. `bin/flagops.mjs` uses `dist/` while it is newer than the sources, else runs them with tsx.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectDir } from '../src/paths.js';
import { prebuiltBundlePath, workflowSourceHash } from '../src/workflow-bundle.js';
import { bundleFlagopsWorkflows } from '../src/worker.js';

const started = Date.now();
const dist = join(projectDir, 'dist');
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: { main: join(projectDir, 'src/cli/main.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: join(dist, 'cli'),
  // Dependencies stay in node_modules: the SDK's native core and its CommonJS modules load as they are.
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
const sourceHash = workflowSourceHash();
const bundle = await bundleFlagopsWorkflows();
mkdirSync(dist, { recursive: true });
writeFileSync(prebuiltBundlePath, JSON.stringify({ sourceHash, code: bundle.code }));
process.stdout.write(`flagops: built dist/ (CLI bundle and workflow bundle) in ${Date.now() - started} ms\n`);
process.exit(0);
