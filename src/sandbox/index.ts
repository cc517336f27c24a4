/**
 * `flagops sandbox`: a Flagsmith-compatible HTTP server whose state lives in PostgreSQL in
 * Flagsmith's own table layout (SPEC §5). Tests start it with `startSandbox` and may write state
 * directly with the store helpers re-exported here.
 */
export { type Sandbox, type SandboxOptions, startSandbox } from './server.js';
export { type SeedDocument, type SeedResult, SeedError, loadSeedFile, parseSeed, seedSandbox, seedSchema } from './seed.js';
export { UnrelatedDatabaseError, prepareSandboxSchema, sandboxMigrationTable, sandboxTables, unrelatedTables } from './schema.js';
export { type FaultRule, type FaultRuleInput, type ServedRequest, Faults } from './http/faults.js';
export { ApiError } from './errors.js';
export { environmentDocument } from './document.js';
export { writeAudit, auditOfProject } from './store/audit.js';
export {
  environmentByApiKey,
  environmentById,
  featureById,
  featuresOfProject,
  liveEnvironmentDefaults,
  stateById,
  statesOfVersion,
} from './store/read.js';
export { insertEnvironmentDefault, legacyUpdateState, writeValue } from './store/states.js';
export { createVersion, deleteVersion, listVersions, previousVersion, publishVersion, versionByUuid } from './store/versions.js';
export { type FlatValue, type StoredValue, type ValueType, dictValue, flatValue, legacyStoredValue } from './store/values.js';
