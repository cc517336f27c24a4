/**
 * `flagops sandbox`: serve a Flagsmith-compatible API over PostgreSQL (SPEC §5) until SIGINT/SIGTERM.
 *
 * Its definition (options, help) is `../commands/sandbox.ts`; this body is loaded only when it runs.
 */
import { optionalVar } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import { startSandbox } from '../../sandbox/index.js';

/** The command's options as commander hands them over (numbers still text). */
export interface SandboxCommandOptions {
  port?: string;
  host?: string;
  seed?: string;
  databaseUrl?: string;
  token?: string;
  pageSize?: string;
  throttle?: string;
}

function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ConfigError(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/**
 * Start the sandbox and keep it running until SIGINT/SIGTERM; resolves to the exit code. Prints the
 * generated admin token on a line beginning `admin token:` (never a token that was passed in).
 * @throws ConfigError without a database URL or with a non-numeric port, page size or rate.
 */
export async function runSandboxCommand(options: SandboxCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const databaseUrl = options.databaseUrl ?? optionalVar(env, 'FLAGSMITH_DATABASE_URL');
  if (!databaseUrl) {
    throw new ConfigError('flagops sandbox needs a database: pass --database-url or set FLAGSMITH_DATABASE_URL');
  }
  const token = options.token ?? optionalVar(env, 'FLAGOPS_SANDBOX_TOKEN');
  const port = intOption('port', options.port) ?? 8000;
  const pageSize = intOption('page-size', options.pageSize) ?? 10;
  const rate = intOption('throttle', options.throttle);
  const sandbox = await startSandbox({
    databaseUrl,
    port,
    host: options.host ?? '127.0.0.1',
    pageSize,
    ...(token ? { token } : {}),
    ...(options.seed ? { seed: options.seed } : {}),
    ...(rate ? { throttle: { ratePerMinute: rate } } : {}),
  });
  process.stdout.write(`flagops sandbox listening on ${sandbox.url}\n`);
  if (!token) process.stdout.write(`admin token: ${sandbox.token}\n`);
  if (sandbox.seed) {
    const envs = sandbox.seed.environments.map((e) => `${e.name} (id ${e.id}, key ${e.apiKey})`).join(', ');
    process.stdout.write(`${sandbox.seed.seeded ? 'seeded' : 'seed skipped, already present:'} project ${sandbox.seed.projectId}: ${envs}\n`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await sandbox.close();
  return 0;
}
