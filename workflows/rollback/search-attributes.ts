/**
 * The rollback's search attributes (SPEC §3), typed. Defined once and used by the workflow (to
 * move `RollbackStep` as it goes), by `startRollback` (set at start) and by `flagops list`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FlagNameKey = defineSearchAttributeKey('FlagName', SearchAttributeType.KEYWORD);
export const FlagEnvironmentsKey = defineSearchAttributeKey('FlagEnvironments', SearchAttributeType.KEYWORD_LIST);
export const IncidentIdKey = defineSearchAttributeKey('IncidentId', SearchAttributeType.KEYWORD);
export const RollbackStepKey = defineSearchAttributeKey('RollbackStep', SearchAttributeType.KEYWORD);
export const RequestedByKey = defineSearchAttributeKey('RequestedBy', SearchAttributeType.KEYWORD);
export const ApprovedByKey = defineSearchAttributeKey('ApprovedBy', SearchAttributeType.KEYWORD);
/** Set once, at the end: completed, rejected, expired, cancelled, failed or needs_attention. */
export const RollbackOutcomeKey = defineSearchAttributeKey('RollbackOutcome', SearchAttributeType.KEYWORD);
/** The fingerprint of the alert that started the run (Alertmanager or Grafana); unset for a person's rollback. */
export const AlertFingerprintKey = defineSearchAttributeKey('AlertFingerprint', SearchAttributeType.KEYWORD);

/** Every key above, in SPEC §3's order (what `flagops setup-temporal` and the dev server register). */
export const rollbackSearchAttributeKeys = [
  FlagNameKey,
  FlagEnvironmentsKey,
  IncidentIdKey,
  RollbackStepKey,
  RequestedByKey,
  ApprovedByKey,
  RollbackOutcomeKey,
  AlertFingerprintKey,
] as const;
