/**
 * Where the project's files are, found from this module whether it runs from its TypeScript
 * source (`src/…`) or from the prebuilt CLI bundle (`dist/…`): the nearest folder up with the
 * project's `package.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(from: string): string {
  for (let dir = dirname(fileURLToPath(from)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'flagops') return dir;
    if (dirname(dir) === dir) throw new Error(`no flagops package.json above ${fileURLToPath(from)}`);
  }
}

/** The project's root folder (holds `package.json`, `migrations/`, `workflows/`, `scripts/`). */
export const projectDir = projectRoot(import.meta.url);
