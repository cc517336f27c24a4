/**
 * Who calls the Admin API. The sandbox's one admin token is, as a `Token`, the sandbox's admin
 * user, and as an `Api-Key`, a master API key; both rows are made when the sandbox starts, so
 * versions and audit rows can name their author as Flagsmith does.
 */
import { createHash } from 'node:crypto';
import { type Queryable, one, rows } from './db.js';

/** The authenticated admin caller: a user (`Token`) or a master API key (`Api-Key`). */
export type AdminCaller = { kind: 'user'; userId: number } | { kind: 'apiKey'; keyId: string };

/** The user and the master API key the admin token stands for. */
export interface AdminCallers {
  userId: number;
  apiKeyId: string;
}

/** The email of the user the admin token authenticates as under `Token`. */
export const SANDBOX_ADMIN_EMAIL = 'admin@sandbox.flagops.invalid';

/** A `users_ffadminuser` row as `UserListSerializer` shows it. */
export interface UserRow {
  id: number;
  uuid: string;
  email: string;
  first_name: string;
  last_name: string;
  last_login: Date | null;
  [key: string]: unknown;
}

/**
 * Make (or find) the admin user and the master API key of `token`. The key's id is built as
 * djangorestframework-api-key builds it (`<prefix>.<hash>`), the hash here a SHA-256, never the token.
 */
export async function ensureAdminCallers(q: Queryable, token: string): Promise<AdminCallers> {
  const user = await one<{ id: number }>(
    q,
    `INSERT INTO users_ffadminuser (email, first_name, last_name) VALUES ($1, 'Sandbox', 'Admin')
     ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
    [SANDBOX_ADMIN_EMAIL],
  );
  const hash = createHash('sha256').update(token).digest('hex');
  const prefix = hash.slice(0, 8);
  const keyId = `${prefix}.${hash}`;
  await q.query(
    `INSERT INTO api_keys_masterapikey (id, prefix, hashed_key, name) VALUES ($1, $2, $3, 'sandbox admin key')
     ON CONFLICT (id) DO NOTHING`,
    [keyId, prefix, hash],
  );
  if (!user) throw new Error('the sandbox admin user row vanished after insert');
  return { userId: user.id, apiKeyId: keyId };
}

/** Users by id, for nesting audit authors. */
export async function usersByIds(q: Queryable, ids: readonly number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return rows<UserRow>(q, 'SELECT * FROM users_ffadminuser WHERE id = ANY($1::int[])', [ids]);
}

/** The user id to record as a change's author: only a user caller is one. */
export const userOf = (caller: AdminCaller | undefined): number | null => (caller?.kind === 'user' ? caller.userId : null);

/** The master API key id to record: only an API-key caller has one. */
export const apiKeyOf = (caller: AdminCaller | undefined): string | null => (caller?.kind === 'apiKey' ? caller.keyId : null);

/** The plan of a project's organisation: `free` models a self-hosted open-source install's limits. */
export async function planOfProject(q: Queryable, projectId: number): Promise<string | null> {
  const row = await one<{ plan: string | null }>(
    q,
    'SELECT o.flagops_plan AS plan FROM projects_project p JOIN organisations_organisation o ON o.id = p.organisation_id WHERE p.id = $1',
    [projectId],
  );
  return row?.plan ?? null;
}

/** The plan of an organisation (see {@link planOfProject}). */
export async function planOfOrganisation(q: Queryable, organisationId: number): Promise<string | null> {
  const row = await one<{ plan: string | null }>(q, 'SELECT flagops_plan AS plan FROM organisations_organisation WHERE id = $1', [organisationId]);
  return row?.plan ?? null;
}
