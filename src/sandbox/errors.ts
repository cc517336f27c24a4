/** An answer with Flagsmith's status code and body, thrown by the store and the routes alike. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body !== null && 'detail' in body ? String(body.detail) : JSON.stringify(body));
    this.name = 'ApiError';
  }
}

/** The Django models whose missing objects the sandbox reports, spelled as Django names them. */
export type ModelName = 'Environment' | 'EnvironmentFeatureVersion' | 'Feature' | 'FeatureState' | 'Identity' | 'Project' | 'Segment';

/**
 * DRF's body for a missing object: `get_object_or_404` raises Django's Http404, whose message
 * names the queryset's model, and DRF keeps that message as the detail.
 */
export const notFound = (model: ModelName): ApiError => new ApiError(404, { detail: `No ${model} matches the given query.` });

/** DRF's body when a permission class says no (Flagsmith's answer for an object it cannot find there). */
export const permissionDenied = (): ApiError => new ApiError(403, { detail: 'You do not have permission to perform this action.' });

/** DRF's `ValidationError("…")` with a bare string answers a JSON list. */
export const validationList = (message: string): ApiError => new ApiError(400, [message]);

/** Refusal of a direct feature-state write on a v2 environment (Flagsmith's `DirectFeatureStateWriteNotAllowedError`). */
export const directWriteOnV2 = (): ApiError =>
  new ApiError(400, { detail: 'This environment uses v2 feature versioning. Use the environment feature version endpoint instead.' });
