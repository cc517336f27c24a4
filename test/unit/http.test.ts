import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, HttpError, httpFailure, parseRetryAfter, secretForms, serverMessageOf } from '../../src/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const TOKEN = 'Token s3cr3t-admin-token-value';
const ENV_KEY = 'ser.s3cr3t-environment-key';

let server: Server;
let baseUrl: string;
let handler: Handler = (_req, res) => res.end();
const client = new HttpClient({ name: 'Test', timeoutMs: 2_000 });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  handler = (_req, res) => res.end();
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function failureOf(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

function expectNoSecrets(value: unknown, ...secrets: string[]): void {
  const texts = [JSON.stringify(value), inspect(value, { depth: 20, showHidden: true })];
  if (value instanceof Error) texts.push(value.message, String(value.stack));
  for (const text of texts) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

describe('HttpClient successes', () => {
  it('returns status, lower-case headers, parsed JSON and byte size', async () => {
    handler = (_req, res) => json(res, 200, { ok: 'é' }, { 'X-Thing': 'yes' });
    const res = await client.getJson(`${baseUrl}/x`);
    expect(res.status).toBe(200);
    expect(res.headers['x-thing']).toBe('yes');
    expect(res.body).toEqual({ ok: 'é' });
    expect(res.bytes).toBe(Buffer.byteLength(JSON.stringify({ ok: 'é' })));
  });

  it('sends a JSON body with its content type and the query parameters', async () => {
    let seen: { body: string; type: string | undefined; url: string | undefined } | undefined;
    handler = (req, res, body) => {
      seen = { body, type: req.headers['content-type'], url: req.url };
      json(res, 201, { created: true });
    };
    const res = await client.request({ method: 'POST', url: `${baseUrl}/post`, query: { a: 'b c', skip: undefined }, json: { v: 1 } });
    expect(res.status).toBe(201);
    expect(seen).toEqual({ body: '{"v":1}', type: 'application/json', url: '/post?a=b+c' });
  });

  it('resolves relative paths against baseUrl, keeping its path prefix', async () => {
    let path: string | undefined;
    handler = (req, res) => {
      path = req.url;
      json(res, 200, {});
    };
    const prefixed = new HttpClient({ baseUrl: `${baseUrl}/prefix` });
    await prefixed.getJson('/api/v1/thing/');
    await prefixed.close();
    expect(path).toBe('/prefix/api/v1/thing/');
  });

  it('returns an empty body as null and a non-JSON body as text', async () => {
    handler = (_req, res) => {
      res.writeHead(204);
      res.end();
    };
    expect((await client.request({ method: 'DELETE', url: `${baseUrl}/d` })).body).toBeNull();
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    expect((await client.getJson(`${baseUrl}/t`)).body).toBe('ok');
  });
});

describe('HttpClient status mapping', () => {
  it.each([
    [404, 'NotFound', false],
    [401, 'Unauthorized', false],
    [403, 'Unauthorized', false],
    [400, 'Validation', false],
    [422, 'Validation', false],
    [405, 'Validation', false],
    [409, 'Conflict', false],
    [429, 'Throttled', true],
    [408, 'ServerError', true],
    [500, 'ServerError', true],
    [502, 'ServerError', true],
    [503, 'ServerError', true],
  ] as const)('%i maps to %s (retryable: %s)', async (status, type, retryable) => {
    handler = (_req, res) => json(res, status, { detail: `status ${status}` });
    const err = await failureOf(client.getJson(`${baseUrl}/s`));
    expect(err.type).toBe(type);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
    expect(err.serverMessage).toBe(`status ${status}`);
    expect(err.message).toBe(`Test GET ${baseUrl}/s answered ${status}: status ${status}`);
  });

  it('carries the server message of a 400 into the error message', async () => {
    handler = (_req, res) => json(res, 400, { detail: 'Cannot delete a live version.' });
    const err = await failureOf(client.request({ method: 'DELETE', url: `${baseUrl}/v` }));
    expect(err.message).toContain('Cannot delete a live version.');
  });

  it('rejects a body that claims JSON but does not parse as BadResponse', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{not json');
    };
    const err = await failureOf(client.getJson(`${baseUrl}/bad`));
    expect(err.type).toBe('BadResponse');
    expect(err.retryable).toBe(false);
  });
});

describe('serverMessageOf', () => {
  it('reads detail, message and single-field bodies', () => {
    expect(serverMessageOf({ detail: 'Given feature not found' })).toBe('Given feature not found');
    expect(serverMessageOf({ message: 'Cannot create FeatureState objects that are not segment overrides.' })).toBe(
      'Cannot create FeatureState objects that are not segment overrides.',
    );
    expect(serverMessageOf({ environment: 'Environment must use v2 feature versioning.' })).toBe(
      'environment: Environment must use v2 feature versioning.',
    );
  });

  it('flattens nested DRF field errors with their paths', () => {
    const body = {
      feature_states_to_update: [{}, { feature_state_value: { type: ['"string" is not a valid choice.'] } }],
      non_field_errors: ['Bad.'],
    };
    expect(serverMessageOf(body)).toBe(
      'feature_states_to_update[1].feature_state_value.type: "string" is not a valid choice.; Bad.',
    );
  });
});

describe('Retry-After', () => {
  it('parses seconds', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('0.5')).toBe(500);
  });

  it('parses an HTTP-date relative to now and never goes negative', () => {
    const now = Date.parse('2026-05-22T10:00:00Z');
    expect(parseRetryAfter('Fri, 22 May 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 22 May 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or garbage', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('sets retryAfterMs on a 429 from a seconds header', async () => {
    handler = (_req, res) => json(res, 429, { detail: 'Request was throttled. Expected available in 3 seconds.' }, { 'Retry-After': '3' });
    const err = await failureOf(client.getJson(`${baseUrl}/t`));
    expect(err.type).toBe('Throttled');
    expect(err.retryAfterMs).toBe(3000);
  });

  it('sets retryAfterMs on a 429 from an HTTP-date header', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    handler = (_req, res) => json(res, 429, { detail: 'throttled' }, { 'Retry-After': at });
    const err = await failureOf(client.getJson(`${baseUrl}/t`));
    expect(err.retryAfterMs).toBeGreaterThan(55_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe('HttpClient network failures', () => {
  it('maps a timeout to a retryable Network error', async () => {
    handler = () => undefined;
    const err = await failureOf(client.getJson(`${baseUrl}/slow`, { timeoutMs: 150 }));
    expect(err.type).toBe('Network');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('timed out after 150 ms');
  });

  it('times out a body that stalls after the headers', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    };
    const err = await failureOf(client.getJson(`${baseUrl}/stall`, { timeoutMs: 150 }));
    expect(err.type).toBe('Network');
  });

  it('maps a connection reset to Network', async () => {
    handler = (req) => req.socket.destroy();
    const err = await failureOf(client.getJson(`${baseUrl}/reset`));
    expect(err.type).toBe('Network');
    expect(err.status).toBeUndefined();
  });

  it('maps a refused connection to Network', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await failureOf(client.getJson(`http://127.0.0.1:${port}/`));
    expect(err.type).toBe('Network');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it("rejects with the signal's reason when the caller aborts a request in flight", async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    // Abort once the server holds the request (and never answers it), well before the timeout.
    handler = () => controller.abort(reason);
    await expect(client.getJson(`${baseUrl}/slow`, { signal: controller.signal, timeoutMs: 60_000 })).rejects.toBe(reason);
  });

  it('does not send a request when the signal is already aborted', async () => {
    let called = false;
    handler = (_req, res) => {
      called = true;
      json(res, 200, {});
    };
    const reason = new Error('gone');
    await expect(client.getJson(`${baseUrl}/x`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(called).toBe(false);
  });
});

describe('secrets', () => {
  const headers = { Authorization: TOKEN, 'X-Environment-Key': ENV_KEY };

  it('are absent from a status error even when the server echoes them', async () => {
    handler = (req, res) => json(res, 401, { detail: `Invalid token ${String(req.headers.authorization)} / ${String(req.headers['x-environment-key'])}` });
    const err = await failureOf(client.getJson(`${baseUrl}/auth`, { headers }));
    expect(err.type).toBe('Unauthorized');
    expect(err.serverMessage).toContain('[redacted]');
    expectNoSecrets(err, TOKEN, 's3cr3t-admin-token-value', ENV_KEY);
    expectNoSecrets(httpFailure(err), TOKEN, 's3cr3t-admin-token-value', ENV_KEY);
  });

  it('are absent even when the server echoes them lower-cased, upper-cased, percent-encoded, hex or base64 at any alignment', async () => {
    handler = (req, res) => {
      const auth = String(req.headers.authorization);
      const blob = (prefix: string) => Buffer.from(`${prefix}Authorization: ${auth}\r\n`).toString('base64');
      json(res, 401, {
        detail: [auth.toLowerCase(), auth.toUpperCase(), encodeURIComponent(auth), Buffer.from(auth).toString('hex'), blob(''), blob('x'), blob('xy'), blob('xy').replace(/\+/g, '-').replace(/\//g, '_')].join(' | '),
      });
    };
    const err = await failureOf(client.getJson(`${baseUrl}/echo`, { headers }));
    const text = JSON.stringify({ message: err.message, serverMessage: err.serverMessage, failure: httpFailure(err).message });
    const bare = TOKEN.replace(/^\S+\s+/, '');
    for (const form of secretForms(bare)) expect(text.toLowerCase()).not.toContain(form.text.toLowerCase());
    expect(text.toLowerCase()).not.toContain(bare.toLowerCase());
  });

  it('are absent from network and timeout errors', async () => {
    handler = (req) => req.socket.destroy();
    expectNoSecrets(await failureOf(client.getJson(`${baseUrl}/reset`, { headers })), 's3cr3t');
    handler = () => undefined;
    expectNoSecrets(await failureOf(client.getJson(`${baseUrl}/slow`, { headers, timeoutMs: 100 })), 's3cr3t');
  });

  it('leave no prefix of a secret that a long non-JSON error page echoes across the truncation point', async () => {
    // The token starts 10 characters before the 500-character cut of the kept server message.
    handler = (req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`${'x'.repeat(490)}${String(req.headers.authorization)}${'y'.repeat(100)}`);
    };
    const err = await failureOf(client.getJson(`${baseUrl}/proxy`, { headers }));
    expect(err.serverMessage).toContain('[redacted]');
    expectNoSecrets(err, TOKEN.slice(0, 10), 's3cr3t');
  });

  it('hide a secret URL (Slack webhook) behind its origin', async () => {
    handler = (_req, res) => json(res, 500, { detail: 'no' });
    const url = `${baseUrl}/services/T000/B000/s3cr3tHookPath`;
    const err = await failureOf(client.postJson(url, { text: 'hi' }, { secretUrl: true }));
    expect(err.target).toBe(`${baseUrl}/[redacted]`);
    expectNoSecrets(err, 's3cr3tHookPath');
  });
});

describe('httpFailure', () => {
  it('keeps type, message, cause and turns Retry-After into nextRetryDelay', async () => {
    handler = (_req, res) => json(res, 429, { detail: 'slow down' }, { 'Retry-After': '2' });
    const err = await failureOf(client.getJson(`${baseUrl}/t`));
    const af = httpFailure(err);
    expect(af.type).toBe('Throttled');
    expect(af.message).toBe(err.message);
    expect(af.nonRetryable).toBe(false);
    expect(af.nextRetryDelay).toBe(2000);
    expect(af.cause).toBe(err);
  });

  it('marks 4xx failures non-retryable', async () => {
    handler = (_req, res) => json(res, 400, { detail: 'bad' });
    expect(httpFailure(await failureOf(client.getJson(`${baseUrl}/t`))).nonRetryable).toBe(true);
  });
});
