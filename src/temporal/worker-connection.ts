/**
 * The worker's connection to Temporal (the SDK's Rust core), from the standard `TEMPORAL_*`
 * settings. Apart from `connection.ts` so that client commands never load `@temporalio/worker`.
 */
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/env.js';
import { tlsConfig } from './connection.js';

/** The worker's connection (Rust core). */
export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  const tls = tlsConfig(settings);
  return NativeConnection.connect({
    address: settings.address,
    ...(tls ? { tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  });
}
