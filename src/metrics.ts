/**
 * Prometheus metrics served by the worker on `METRICS_PORT` (SPEC §7). Metrics are recorded from
 * activities and the worker process; workflow code never touches prom-client (it is sandboxed and
 * replays).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Seed 001's counter: every environment-document write attempt, by `result`. */
  environmentDocumentWrites: Counter<'result'>;
  /** Rollbacks by final status (completed, rejected, …). */
  rollbacks: Counter<'status'>;
  /** Duration of each rollback / sync step, in seconds. */
  stepDuration: Histogram<'workflow' | 'step'>;
}

/** A fresh registry with flagops' metrics (one per worker; tests make their own). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'flagops_' });
  const environmentDocumentWrites = new Counter({
    name: 'flagsmith_environment_document_writes_total',
    help: 'Environment documents written to the document store, by result (success or failure).',
    labelNames: ['result'],
    registers: [registry],
  });
  // Both series exist from the start so a failure-rate alert has a zero to compare against.
  environmentDocumentWrites.inc({ result: 'success' }, 0);
  environmentDocumentWrites.inc({ result: 'failure' }, 0);
  const rollbacks = new Counter({
    name: 'flagops_rollbacks_total',
    help: 'Flag rollbacks by final status.',
    labelNames: ['status'],
    registers: [registry],
  });
  const stepDuration = new Histogram({
    name: 'flagops_step_duration_seconds',
    help: 'Duration of workflow steps (activities and waits), in seconds.',
    labelNames: ['workflow', 'step'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  return { registry, environmentDocumentWrites, rollbacks, stepDuration };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serve `GET /metrics` (Prometheus text format) on `port` (0 picks a free one). */
export async function serveMetrics(metrics: Metrics, port: number, host = '0.0.0.0'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      metrics.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
      return;
    }
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? 'ok\n' : 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
