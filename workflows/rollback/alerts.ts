/**
 * Alert notifications on a running rollback (README, "Rollbacks started by alerts"): the
 * `alertNotification` Signal records repeats, grouped notifications and resolutions in the
 * status. The handler only changes in-memory state (no commands), parses its input and never
 * throws; a malformed payload is recorded among the refusals. Nothing here changes a flag.
 */
import { setHandler } from '@temporalio/workflow';
import { parseAlertNotification, recordAlertNotification } from './alert-log.js';
import { alertNotificationSignal } from './messages.js';
import type { RollbackRun } from './run.js';

/** Register the `alertNotification` handler on `run`. */
export function receiveAlertNotifications(run: RollbackRun): void {
  setHandler(alertNotificationSignal, (raw: unknown) => {
    try {
      const parsed = parseAlertNotification(raw);
      if (!parsed.ok) {
        run.refuse('alertNotification', 'signal', raw, parsed.reason);
        return;
      }
      run.status.alerts = recordAlertNotification(run.status.alerts, parsed.value, run.now());
      run.refresh();
    } catch (error) {
      run.refuse('alertNotification', 'signal', raw, `could not be processed: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
