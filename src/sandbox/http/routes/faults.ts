/** `/__sandbox/faults` (rules) and `/__sandbox/requests` (served-request log): the sandbox's own controls. */
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { Faults } from '../faults.js';
import type { Reply } from '../router.js';

/** Answer a `/__sandbox/…` request. */
export function handleSandboxControl(faults: Faults, method: string, pathname: string, body: unknown): Reply {
  const path = pathname.replace(/\/$/, '');
  if (path === '/__sandbox/faults' || path === '/__sandbox') {
    if (method === 'GET') return { status: 200, body: { rules: faults.rules(), requests: faults.log() } };
    if (method === 'DELETE') {
      faults.clear();
      return { status: 204 };
    }
    if (method === 'POST' && path === '/__sandbox/faults') {
      try {
        return { status: 201, body: faults.add(body as never) };
      } catch (error) {
        if (error instanceof z.ZodError) {
          throw new ApiError(400, { detail: error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`).join('; ') });
        }
        throw new ApiError(400, { detail: (error as Error).message });
      }
    }
    throw new ApiError(405, { detail: `Method "${method}" not allowed.` });
  }
  if (path === '/__sandbox/requests' && method === 'GET') return { status: 200, body: faults.log() };
  throw new ApiError(404, { detail: 'Not found.' });
}
