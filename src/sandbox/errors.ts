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

/** DRF's body for a missing object. */
export const notFound = (): ApiError => new ApiError(404, { detail: 'Not found.' });

/** DRF's `ValidationError("…")` with a bare string answers a JSON list. */
export const validationList = (message: string): ApiError => new ApiError(400, [message]);
