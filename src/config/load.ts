/**
 * Loading `flagops.yaml`: defaults, then the file, then environment overrides, validated once.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { configSchema, type FlagopsConfig } from './schema.js';

/** Render zod issues as `file: key.path: problem` lines, so the user knows exactly what to fix. */
export function describeIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
      return `${source}: ${key}: ${issue.message}`;
    })
    .join('\n');
}

/** Validate an already-parsed document (used by tests and by `loadConfig`). */
export function parseConfig(document: unknown, source = 'flagops.yaml', env: NodeJS.ProcessEnv = process.env): FlagopsConfig {
  const result = configSchema.safeParse(document ?? {});
  if (!result.success) throw new ConfigError(describeIssues(source, result.error.issues));
  const config = result.data;
  if (env.FLAGSMITH_API_URL) {
    let url: URL;
    try {
      url = new URL(env.FLAGSMITH_API_URL);
    } catch {
      // Never echoed: a URL can carry a user and password.
      throw new ConfigError('FLAGSMITH_API_URL: not a URL (expected e.g. https://api.flagsmith.com)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`FLAGSMITH_API_URL: expected an http(s) URL, not ${url.protocol}`);
    if (url.username || url.password) throw new ConfigError('FLAGSMITH_API_URL: must not carry a user or password (the token goes in FLAGSMITH_ADMIN_TOKEN)');
    config.flagsmith.apiUrl = url.toString().replace(/\/$/, '');
  }
  config.flagsmith.apiUrl = config.flagsmith.apiUrl.replace(/\/$/, '');
  config.flagsmith.sdkUrl = (config.flagsmith.sdkUrl ?? config.flagsmith.apiUrl).replace(/\/$/, '');
  return config;
}

/**
 * Read and validate the configuration file named by `FLAGOPS_CONFIG` (default `./flagops.yaml`).
 * @throws ConfigError naming the file, the key or the variable to fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FlagopsConfig {
  const path = env.FLAGOPS_CONFIG ?? './flagops.yaml';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(`FLAGOPS_CONFIG: cannot read ${path}: ${reason} (set FLAGOPS_CONFIG to your flagops.yaml)`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
  return parseConfig(document, path, env);
}
