/** `environments/` list and retrieve (by api_key), and the admin copy of the environment document. */
import { randomBytes } from 'node:crypto';
import { ApiError, notFound, permissionDenied, validationList } from '../../errors.js';
import { environmentDocument } from '../../document.js';
import { one, rows } from '../../store/db.js';
import { environmentByApiKey, environmentsOfProject, segmentOverrideCount } from '../../store/read.js';
import { pageOnly } from '../pagination.js';
import { type Ctx, type Route, intParam, route } from '../router.js';
import { environmentJson, environmentRetrieveJson } from '../shapes.js';

/**
 * Flagsmith looks the project up with `Project.objects.get` and turns its absence into this list
 * error. Text that is not a number reaches the database there and fails with a 500; the sandbox
 * answers it with the same 400, which says what is wrong.
 */
async function projectOfListQuery(ctx: Ctx): Promise<number> {
  const project = intParam(ctx.url.searchParams.get('project'));
  const exists = project !== undefined && (await one(ctx.db.pool, 'SELECT 1 FROM projects_project WHERE id = $1 AND deleted_at IS NULL', [project]));
  if (project === undefined || !exists) throw validationList('Invalid or missing value for project parameter.');
  return project;
}

interface ServerKeyRow {
  id: number;
  key: string;
  active: boolean;
  created_at: Date;
  name: string;
  expires_at: Date | null;
  [column: string]: unknown;
}

/** `EnvironmentAPIKeySerializer`. */
const serverKeyJson = (k: ServerKeyRow): Record<string, unknown> => ({
  id: k.id,
  key: k.key,
  active: k.active,
  created_at: k.created_at.toISOString(),
  name: k.name,
  expires_at: k.expires_at ? k.expires_at.toISOString() : null,
});

/** The environment of a nested route; its admin permission refuses an unknown key. */
async function environmentOfNested(ctx: Ctx) {
  const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
  if (!environment) throw permissionDenied();
  return environment;
}

/** `POST environments/{key}/api-keys/` body: `name` required, `active` and `expires_at` optional. */
function parseServerKeyBody(body: unknown): { name: string; active: boolean; expiresAt: Date | null } {
  const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const errors: Record<string, string[]> = {};
  const name = input.name;
  if (name === undefined || name === null) errors.name = ['This field is required.'];
  else if (typeof name !== 'string' || name.trim() === '') errors.name = ['This field may not be blank.'];
  else if (name.length > 100) errors.name = ['Ensure this field has no more than 100 characters.'];
  if (input.active !== undefined && typeof input.active !== 'boolean') errors.active = ['Must be a valid boolean.'];
  const expires = input.expires_at;
  const expiresAt = typeof expires === 'string' && !Number.isNaN(Date.parse(expires)) ? new Date(expires) : null;
  if (expires !== undefined && expires !== null && expiresAt === null) {
    errors.expires_at = ['Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'];
  }
  if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
  return { name: String(name), active: input.active === undefined ? true : Boolean(input.active), expiresAt };
}

export const environmentRoutes: Route[] = [
  // Server-side SDK keys (`ser.` prefix): a plain list (no pagination) and create.
  route('GET', '/api/v1/environments/:apiKey/api-keys/', 'admin', async (ctx) => {
    const environment = await environmentOfNested(ctx);
    const keys = await rows<ServerKeyRow>(ctx.db.pool, 'SELECT * FROM environments_environmentapikey WHERE environment_id = $1 ORDER BY id', [environment.id]);
    return { status: 200, body: keys.map(serverKeyJson) };
  }),
  route('POST', '/api/v1/environments/:apiKey/api-keys/', 'admin', async (ctx) => {
    const environment = await environmentOfNested(ctx);
    const input = parseServerKeyBody(ctx.body);
    const key = `ser.${randomBytes(17).toString('base64url').replace(/[-_]/g, '').slice(0, 22)}`;
    const created = await one<ServerKeyRow>(
      ctx.db.pool,
      'INSERT INTO environments_environmentapikey (environment_id, key, name, active, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [environment.id, key, input.name, input.active, input.expiresAt],
    );
    if (!created) throw new Error('server key row vanished after insert');
    return { status: 201, body: serverKeyJson(created) };
  }),
  route('GET', '/api/v1/environments/', 'admin', async (ctx) => {
    const environments = await environmentsOfProject(ctx.db.pool, await projectOfListQuery(ctx));
    return { status: 200, body: pageOnly(ctx, environments.map(environmentJson)) };
  }),
  // Flagsmith's lookup_field is api_key: a numeric id here is just an unknown key.
  route('GET', '/api/v1/environments/:apiKey/', 'admin', async (ctx) => {
    const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
    if (!environment) throw notFound('Environment');
    return { status: 200, body: environmentRetrieveJson(environment, await segmentOverrideCount(ctx.db.pool, environment)) };
  }),
  route('GET', '/api/v1/environments/:apiKey/document/', 'admin', async (ctx) => {
    const environment = await environmentByApiKey(ctx.db.pool, ctx.params.apiKey ?? '');
    if (!environment) throw notFound('Environment');
    const document = await environmentDocument(ctx.db.pool, environment);
    if (!document) throw notFound('Environment');
    return { status: 200, body: document };
  }),
];
