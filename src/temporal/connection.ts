/**
 * Temporal connections from the standard `TEMPORAL_*` settings: a `Client` for commands and a
 * `NativeConnection` for workers. Temporal Cloud works with `TEMPORAL_API_KEY` (TLS implied) or mTLS.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/env.js';

function tlsConfig(settings: TemporalSettings): TLSConfig | undefined {
  if (!settings.tls) return undefined;
  const { clientCertPath, clientKeyPath, serverCaCertPath, serverName } = settings.tls;
  const config: TLSConfig = {};
  if (clientCertPath && clientKeyPath) {
    config.clientCertPair = { crt: readFileSync(clientCertPath), key: readFileSync(clientKeyPath) };
  }
  if (serverCaCertPath) config.serverRootCACertificate = readFileSync(serverCaCertPath);
  if (serverName) config.serverNameOverride = serverName;
  return config;
}

/** A client for starting, signalling and querying workflows. Close its `connection` when done. */
export async function connectClient(settings: TemporalSettings, identity?: string): Promise<Client> {
  const tls = tlsConfig(settings);
  const connection = await Connection.connect({
    address: settings.address,
    ...(tls ? { tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  });
  return new Client({ connection, namespace: settings.namespace, ...(identity ? { identity } : {}) });
}

/** The worker's connection (Rust core). */
export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  const tls = tlsConfig(settings);
  return NativeConnection.connect({
    address: settings.address,
    ...(tls ? { tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  });
}
