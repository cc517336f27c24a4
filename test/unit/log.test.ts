import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function captured() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('debug', stream), lines };
}

describe('log lines', () => {
  it("carry an error's message in msg, from `err` (ours) and `error` (Temporal's)", async () => {
    const { log, lines } = captured();
    log.warn({ event: 'environment_document.write_failed', err: new Error('connection refused') }, 'environment document write failed');
    log.error({ error: new Error('activity timed out') }, 'Activity failed');
    log.warn({ err: new Error('boom') }, 'already says boom');
    log.info({ event: 'plain' }, 'no error here');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.msg)).toEqual([
      'environment document write failed: connection refused',
      'Activity failed: activity timed out',
      'already says boom',
      'no error here',
    ]);
    expect((lines[1]?.error as { message?: string }).message).toBe('activity timed out');
    expect((lines[0]?.err as { type?: string }).type).toBe('Error');
  });

  it('still redacts secrets', async () => {
    const { log, lines } = captured();
    log.error({ token: 'Token abc', err: new Error('refused') }, 'call failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]?.token).toBe('[redacted]');
    expect(lines[0]?.msg).toBe('call failed: refused');
  });
});
