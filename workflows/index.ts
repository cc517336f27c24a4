/**
 * Every workflow the worker registers (`workflowsPath` points here). Workflow code is
 * deterministic: it imports activities as types only and no Node built-ins (lint enforces both).
 */
export { healthCheck } from './health-check.js';
export { flagRollback } from './flag-rollback.js';
export { auditLogTailer } from './audit-log-tailer.js';
export { environmentDocumentSync } from './environment-document-sync.js';
