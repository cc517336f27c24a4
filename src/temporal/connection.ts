/**
 * Temporal connections from the standard `TEMPORAL_*` settings: a `Client` for commands (the
 * worker's `NativeConnection` is in `worker-connection.ts`, so commands never load the worker SDK).
 * Temporal Cloud works with `TEMPORAL_API_KEY` (TLS implied) or mTLS.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { TemporalSettings } from '../config/env.js';

/** TLS for either kind of connection from the `TEMPORAL_TLS_*` settings; undefined without TLS. */
export function tlsConfig(settings: TemporalSettings): TLSConfig | undefined {
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
