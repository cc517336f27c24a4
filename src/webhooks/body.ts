/**
 * The request and answer bodies of every receiver route (Flagsmith, Slack, alerts): a body read
 * up to a cap, so an oversized one is refused without being held in memory, and a JSON answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The raw body, or null once it passed `maxBytes` (the rest is not kept). */
export async function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Answer `body` as JSON with its length (and any extra headers). */
export function replyJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
