/**
 * `flagops setup-temporal`: register the search attributes of SPEC §3 on a self-hosted cluster
 * (idempotent), or print what to run on Temporal Cloud, whose operator API is closed to clients.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';
import type { SetupOptions } from '../run/setup-temporal.js';

export function registerSetupTemporalCommand(program: Command): void {
  program
    .command('setup-temporal')
    .description('Register the search attributes flagops uses (FlagName, IncidentId, RollbackStep, …) in the namespace')
    .option('--cloud', 'do not connect; print the tcld / Cloud UI steps for Temporal Cloud')
    .addHelpText(
      'after',
      `
Safe to run again: attributes already present are left as they are. On Temporal Cloud (an address
ending in .tmprl.cloud, or --cloud) it prints the tcld command and the UI steps instead.
Exit codes: 0 registered (or instructions printed), 1 refused by the server, 2 bad settings.
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*.`,
    )
    .action(lazyAction(() => import('../run/setup-temporal.js'), (m, options: SetupOptions) => m.setupTemporal(options, process.env)));
}
