/** `startSandbox`: the Flagsmith-compatible server over PostgreSQL, for tests, demos and rehearsals. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Database } from '../db/sql.js';
import { Faults } from './http/faults.js';
import { serve } from './http/serve.js';
import { Throttle } from './http/throttle.js';
import { prepareSandboxSchema } from './schema.js';
import { type AdminCallers, ensureAdminCallers } from './store/callers.js';
import { type SeedDocument, type SeedResult, loadSeedFile, seedSandbox } from './seed.js';

export interface SandboxOptions {
  /** PostgreSQL holding (only) the sandbox's tables; created when missing. */
  databaseUrl: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Admin token for `Token …` / `Api-Key …`; generated when absent. */
  token?: string;
  /** A seed document, or the path of a YAML/JSON seed file. */
  seed?: SeedDocument | string;
  /** Admin throttling; off when absent (self-hosted Flagsmith's default). */
  throttle?: { ratePerMinute: number };
  /**
   * Page size of the page-only endpoints (environment featurestates, environments). Flagsmith's
   * common settings say 10 (the default here); its production settings (the Docker image) say 999.
   */
  pageSize?: number;
  /** Called with unexpected errors (answered as 500); defaults to stderr. */
  onError?: (error: unknown) => void;
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:43121` (paths start with `/api/v1/`). */
  url: string;
  token: string;
  db: Database;
  /** Fault rules and the served-request log (also reachable over HTTP under `/__sandbox/`). */
  faults: Faults;
  /** The user (`Token`) and master API key (`Api-Key`) the admin token stands for. */
  callers: AdminCallers;
  /** What the seed wrote, when one was given. */
  seed: SeedResult | undefined;
  close(): Promise<void>;
}

/**
 * Start the sandbox: refuse a database holding unrelated tables, create the schema, seed, listen.
 * @throws UnrelatedDatabaseError, SeedError, or the listen error (e.g. EADDRINUSE).
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const db = new Database(options.databaseUrl, 'the sandbox database');
  try {
    await prepareSandboxSchema(db);
    const seedInput = typeof options.seed === 'string' ? await loadSeedFile(options.seed) : options.seed;
    const seed = seedInput === undefined ? undefined : await seedSandbox(db, seedInput);
    const token = options.token ?? randomBytes(20).toString('hex');
    const faults = new Faults();
    const callers = await ensureAdminCallers(db.pool, token);
    let baseUrl = '';
    const deps = {
      db,
      token,
      callers,
      faults,
      throttle: options.throttle ? new Throttle(options.throttle) : undefined,
      pageSize: options.pageSize ?? 10,
      baseUrl: () => baseUrl,
      onError: options.onError ?? ((error: unknown) => console.error('sandbox: unexpected error', error)),
    };
    const server = createServer((req, res) => void serve(deps, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    baseUrl = `http://${host}:${address.port}`;
    return {
      url: baseUrl,
      token,
      db,
      callers,
      faults,
      seed,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
