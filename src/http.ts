/**
 * The one HTTP module of flagops: every outbound request (Flagsmith Admin and SDK APIs, Slack,
 * GitHub, probe URLs) goes through an {@link HttpClient}. It owns the connection pool, timeouts,
 * cancellation, JSON bodies, `Retry-After`, and the mapping of failures onto the failure
 * vocabulary of `src/failures.ts`.
 *
 * Secrets: the values of credential headers (`Authorization`, `X-Environment-Key`, …) and of URLs
 * marked secret (Slack webhooks) are never put in an error's message or properties; any echo of
 * them in a server's answer is redacted before it is kept.
 */
import { Agent, errors as undiciErrors, request as undiciRequest } from 'undici';
import { type ApplicationFailure } from '@temporalio/common';
import { FailureType, failure, isRetryable } from './failures.js';

/** The failure types an HTTP exchange can end in. */
export type HttpFailureType =
  | typeof FailureType.NotFound
  | typeof FailureType.Unauthorized
  | typeof FailureType.Validation
  | typeof FailureType.Conflict
  | typeof FailureType.Throttled
  | typeof FailureType.ServerError
  | typeof FailureType.Network
  | typeof FailureType.BadResponse;

/** The methods flagops sends; redirects are never followed. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Header names whose values are credentials, compared lower-case. */
const secretHeaderNames = new Set(['authorization', 'proxy-authorization', 'x-environment-key', 'cookie', 'x-api-key']);

const REDACTED = '[redacted]';
const MAX_SERVER_MESSAGE = 500;

interface HttpErrorInit {
  type: HttpFailureType;
  message: string;
  method: string;
  target: string;
  status?: number;
  serverMessage?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A failed HTTP exchange. `type` is a name from the failure vocabulary; `retryable` follows it
 * (4xx except 408/429 are not retryable). `target` is the request URL without its query string,
 * or only its origin when the URL itself is a secret.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly type: HttpFailureType;
  readonly retryable: boolean;
  readonly method: string;
  readonly target: string;
  /** The HTTP status, absent for network failures and timeouts. */
  readonly status: number | undefined;
  /** The server's own explanation (Flagsmith's `detail`/`message`/field errors), redacted. */
  readonly serverMessage: string | undefined;
  /** For `Throttled`: how long the server asked us to wait, from `Retry-After`. */
  readonly retryAfterMs: number | undefined;

  constructor(init: HttpErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.type = init.type;
    this.retryable = isRetryable(init.type);
    this.method = init.method;
    this.target = init.target;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Options of one request. */
export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL, or a path resolved against the client's `baseUrl`. */
  url: string | URL;
  /** Query parameters appended to `url`; `undefined` values are skipped. */
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Overrides the client's timeout for this request (whole exchange, body included). */
  timeoutMs?: number;
  /** Aborts the request, e.g. Temporal's activity cancellation signal. */
  signal?: AbortSignal;
  /** The URL itself is a credential (Slack webhook): errors show only its origin. */
  secretUrl?: boolean;
  /** Extra strings to redact from errors (beyond credential headers). */
  secrets?: readonly string[];
}

/** A 2xx answer. */
export interface HttpResponse<T = unknown> {
  status: number;
  /** Lower-case header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON when the answer is JSON, its text otherwise, `null` when empty. */
  body: T;
  /** Size of the raw body in bytes. */
  bytes: number;
}

/** Settings of one {@link HttpClient}, fixed for its lifetime. */
export interface HttpClientOptions {
  /** Names the remote system in error messages, e.g. `Flagsmith`. Default `HTTP`. */
  name?: string;
  /** Resolves relative request URLs. */
  baseUrl?: string;
  /** Default per-request timeout in ms (connect to last body byte). Default 10 000. */
  timeoutMs?: number;
  /** Headers added to every request (credential headers are treated as secrets). */
  headers?: Record<string, string>;
  /** Connections per origin in the pool. Default 10. */
  connections?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * An HTTP client over one undici connection pool. Create one per remote system and `close()` it
 * at shutdown.
 */
export class HttpClient {
  readonly name: string;
  private readonly agent: Agent;
  private readonly baseUrl: URL | undefined;
  private readonly timeoutMs: number;
  private readonly defaultHeaders: Record<string, string>;

  constructor(options: HttpClientOptions = {}) {
    this.name = options.name ?? 'HTTP';
    this.baseUrl = options.baseUrl === undefined ? undefined : new URL(withTrailingSlash(options.baseUrl));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.defaultHeaders = options.headers ?? {};
    this.agent = new Agent({ connections: options.connections ?? 10 });
  }

  /**
   * Send a request and read its whole answer.
   * @returns the answer when its status is 2xx.
   * @throws HttpError for any other status, a body that is not the JSON it claims to be
   *   (`BadResponse`), a timeout or connection failure (`Network`).
   * @throws the signal's `reason` when `signal` aborts the request (Temporal's `CancelledFailure`
   *   for a cancelled activity), so cancellation is not mistaken for a network failure.
   */
  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const url = this.resolve(req.url, req.query);
    const headers: Record<string, string> = { accept: 'application/json', ...lowerKeys(this.defaultHeaders), ...lowerKeys(req.headers ?? {}) };
    const secrets = collectSecrets(headers, url, req);
    const target = describeTarget(url, req.secretUrl === true);
    const context = { method: req.method, target, name: this.name, secrets };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }

    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) {
      clearTimeout(timer);
      throw abortReason(req.signal, context);
    }
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });

    try {
      const res = await undiciRequest(url, {
        method: req.method,
        headers,
        body,
        dispatcher: this.agent,
        signal: controller.signal,
      });
      const raw = Buffer.from(await res.body.arrayBuffer());
      const text = raw.toString('utf8');
      const responseHeaders = flattenHeaders(res.headers);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw statusError(res.statusCode, responseHeaders, text, context);
      }
      return { status: res.statusCode, headers: responseHeaders, body: parseBody(text, responseHeaders, context) as T, bytes: raw.length };
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if (req.signal?.aborted && !timedOut) throw abortReason(req.signal, context);
      throw networkError(err, timedOut ? `timed out after ${timeoutMs} ms` : undefined, context);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** GET a URL and return its answer; see {@link HttpClient.request} for what it throws. */
  getJson<T = unknown>(url: string | URL, options: Omit<HttpRequest, 'method' | 'url' | 'json'> = {}): Promise<HttpResponse<T>> {
    return this.request<T>({ ...options, method: 'GET', url });
  }

  /** POST a JSON body (Slack webhook, GitHub comment); see {@link HttpClient.request} for what it throws. */
  postJson<T = unknown>(url: string | URL, json: unknown, options: Omit<HttpRequest, 'method' | 'url' | 'json'> = {}): Promise<HttpResponse<T>> {
    return this.request<T>({ ...options, method: 'POST', url, json });
  }

  /** Close the pool; in-flight requests are allowed to finish. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private resolve(url: string | URL, query: HttpRequest['query']): URL {
    let resolved: URL;
    if (url instanceof URL) resolved = new URL(url.href);
    else if (/^https?:\/\//i.test(url)) resolved = new URL(url);
    else if (this.baseUrl) resolved = new URL(url.replace(/^\//, ''), this.baseUrl);
    else throw new TypeError(`${this.name}: relative URL without a baseUrl`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) resolved.searchParams.set(key, String(value));
    }
    return resolved;
  }
}

/**
 * Convert an {@link HttpError} into the `ApplicationFailure` an activity throws: same type and
 * message, retryability from the vocabulary, `Retry-After` as the next retry delay, the HttpError
 * kept as `cause`. The details carry only the status and the (redacted) target.
 */
export function httpFailure(err: HttpError): ApplicationFailure {
  return failure(err.type, err.message, {
    cause: err,
    retryAfterMs: err.retryAfterMs,
    details: [{ status: err.status ?? null, method: err.method, target: err.target }],
  });
}

/**
 * Parse a `Retry-After` value (delay in seconds, or an HTTP-date) into milliseconds from `now`.
 * @returns `undefined` when absent or unparsable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * A readable message from an error body: Flagsmith answers `{"detail": …}`, `{"message": …}`,
 * `{"environment": …}` or DRF field errors (`{"field": ["…"], "nested": [{"f": ["…"]}]}`).
 */
export function serverMessageOf(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body.trim() === '' ? undefined : body.trim();
  if (typeof body === 'number' || typeof body === 'boolean') return String(body);
  if (typeof body !== 'object') return undefined;
  if (!Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    for (const key of ['detail', 'message']) {
      const value = record[key];
      if (typeof value === 'string') return value;
    }
  }
  const parts: string[] = [];
  flattenFieldErrors(body, '', parts);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function flattenFieldErrors(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out.push(path === '' || path === 'non_field_errors' ? String(value) : `${path}: ${String(value)}`);
  } else if (Array.isArray(value)) {
    const allLeaves = value.every((v) => typeof v === 'string');
    value.forEach((item, index) => {
      flattenFieldErrors(item, allLeaves || path === '' ? path : `${path}[${index}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      flattenFieldErrors(child, path === '' ? key : `${path}.${key}`, out);
    }
  }
}

interface ErrorContext {
  method: string;
  target: string;
  name: string;
  secrets: readonly string[];
}

function statusError(status: number, headers: Record<string, string>, text: string, ctx: ErrorContext): HttpError {
  const type = typeForStatus(status);
  const serverMessage = truncate(redact(serverMessageOf(tryParseJson(text)) ?? '', ctx.secrets));
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
  const suffix = serverMessage === '' ? '' : `: ${serverMessage}`;
  return new HttpError({
    type,
    status,
    method: ctx.method,
    target: ctx.target,
    serverMessage: serverMessage === '' ? undefined : serverMessage,
    retryAfterMs,
    message: `${ctx.name} ${ctx.method} ${ctx.target} answered ${status}${suffix}`,
  });
}

/** The one status → failure-type table. */
export function typeForStatus(status: number): HttpFailureType {
  if (status === 404) return FailureType.NotFound;
  if (status === 401 || status === 403) return FailureType.Unauthorized;
  if (status === 409) return FailureType.Conflict;
  if (status === 429) return FailureType.Throttled;
  if (status === 408 || status >= 500) return FailureType.ServerError;
  if (status >= 400) return FailureType.Validation;
  // 1xx/3xx: redirects are not followed, so an answer we cannot use.
  return FailureType.BadResponse;
}

function networkError(err: unknown, timeout: string | undefined, ctx: ErrorContext): HttpError {
  const code = errorCode(err);
  const reason = timeout ?? (code ? `connection failed (${code})` : 'connection failed');
  return new HttpError({
    type: FailureType.Network,
    method: ctx.method,
    target: ctx.target,
    message: `${ctx.name} ${ctx.method} ${ctx.target}: ${reason}`,
    cause: sanitiseCause(err, ctx.secrets),
  });
}

function abortReason(signal: AbortSignal, ctx: ErrorContext): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new HttpError({
    type: FailureType.Network,
    method: ctx.method,
    target: ctx.target,
    message: `${ctx.name} ${ctx.method} ${ctx.target}: aborted`,
  });
}

function parseBody(text: string, headers: Record<string, string>, ctx: ErrorContext): unknown {
  if (text === '') return null;
  const contentType = headers['content-type'] ?? '';
  if (!/[/+]json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError({
      type: FailureType.BadResponse,
      method: ctx.method,
      target: ctx.target,
      message: `${ctx.name} ${ctx.method} ${ctx.target}: answer claims JSON but does not parse`,
    });
  }
}

/**
 * The body as JSON, else as text. The text is not shortened here: it is redacted first and
 * truncated after, so a secret the cut would split cannot survive as a prefix.
 */
function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Keep the cause's class, code and message (redacted), but none of its other properties. */
function sanitiseCause(err: unknown, secrets: readonly string[]): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const copy = new Error(redact(source.message, secrets));
  copy.name = source.name;
  const code = errorCode(err);
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

function errorCode(err: unknown): string | undefined {
  if (err instanceof undiciErrors.UndiciError) return err.code;
  if (err !== null && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const causeCode = (err as { cause?: { code?: unknown } }).cause?.code;
    if (typeof causeCode === 'string') return causeCode;
  }
  return undefined;
}

function collectSecrets(headers: Record<string, string>, url: URL, req: HttpRequest): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!secretHeaderNames.has(name)) continue;
    secrets.push(value);
    // "Token abc" — the bare key must not leak either.
    const bare = value.replace(/^\S+\s+/, '');
    if (bare !== value) secrets.push(bare);
  }
  if (req.secretUrl) secrets.push(url.href, url.pathname + url.search);
  if (url.password) secrets.push(url.password);
  secrets.push(...(req.secrets ?? []));
  return secrets.filter((s) => s.length >= 4);
}

function describeTarget(url: URL, secretUrl: boolean): string {
  if (secretUrl) return `${url.origin}/${REDACTED}`;
  return `${url.origin}${url.pathname}`;
}

/**
 * The forms a secret can come back in: as sent, with its case changed (a server lower-casing a
 * header), percent-encoded, hex, and base64/base64url at each of the three byte alignments (a
 * server echoing the whole header block encoded). Each is matched ignoring case, except the base64
 * forms, whose case is their content.
 */
export function secretForms(secret: string): { text: string; caseless: boolean }[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [
    { text: secret, caseless: true },
    { text: encodeURIComponent(secret), caseless: true },
    { text: bytes.toString('hex'), caseless: true },
  ];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64').replace(/=+$/, '');
    // Only the characters made of the secret's own bits, whatever precedes or follows it.
    const core = encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    if (core.length < 6) continue;
    forms.push({ text: core, caseless: false }, { text: core.replace(/\+/g, '-').replace(/\//g, '_'), caseless: false });
  }
  return forms;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with every form (see {@link secretForms}) of each of `secrets` replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of secretForms(secret)) out = out.replace(new RegExp(escapeRegExp(form.text), form.caseless ? 'gi' : 'g'), REDACTED);
  }
  return out;
}

function truncate(text: string): string {
  return text.length > MAX_SERVER_MESSAGE ? `${text.slice(0, MAX_SERVER_MESSAGE)}…` : text;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
