/**
 * The demo's second scene: someone changes a flag in Flagsmith (through the admin API, as the
 * dashboard would), Flagsmith writes its audit row, and the document sync writes the environment's
 * new, complete document to the store. Shows its size, its feature-state count and how long after
 * the audit row it landed.
 */
import { readFileSync } from 'node:fs';
import type { FlagopsConfig } from '../config/schema.js';
import { Database } from '../db/sql.js';
import { FlagsmithClient } from '../flagsmith/client.js';
import { toFeatureStateValue } from '../flagsmith/values.js';
import { environmentDefaultUpdate } from '../flagsmith/versions.js';
import { PostgresDocumentStore } from '../store/postgres-document-store.js';
import type { Terminal } from '../cli/terminal.js';
import type { DemoStack } from './stack.js';

const CONFIG_FLAG = 'matcher_trigger_decision_stages';
const NEW_VALUE = '["decided_on_destination","matched"]';
const WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Change the remote-config flag in Development and wait for its new document; true when written. */
export async function showDocumentSync(stack: DemoStack, config: FlagopsConfig, term: Terminal): Promise<boolean> {
  const environment = config.flagsmith.environments.find((e) => e.name === 'Development');
  if (!environment) throw new Error('the demo config has no Development environment');
  const flagsmith = new FlagsmithClient({ apiUrl: stack.sandbox.url, adminToken: `Token ${stack.sandbox.token}` });
  const storeDb = new Database(stack.env.FLAGOPS_DATABASE_URL ?? '', 'demo document store', { max: 1 });
  try {
    const store = new PostgresDocumentStore(storeDb);
    const before = await store.info(environment.apiKey);
    const feature = await flagsmith.findFeatureByName(config.flagsmith.projectId, CONFIG_FLAG);
    if (!feature) throw new Error(`the seed has no feature ${CONFIG_FLAG}`);
    const [{ max: lastAudit } = { max: 0 }] = await stack.sandbox.db.query<{ max: number | null }>('SELECT max(id) AS max FROM audit_auditlog');
    term.line(`  publishing ${CONFIG_FLAG} = ${NEW_VALUE} in Development (a v2 version, as the dashboard would)`);
    await flagsmith.createVersion(environment.id, feature.id, {
      feature_states_to_update: [environmentDefaultUpdate(true, toFeatureStateValue(NEW_VALUE, 'unicode'))],
      publish_immediately: true,
      description: 'flagops demo: one more decision stage',
    });
    const [audit] = await stack.sandbox.db.query<{ created_date: Date; log: string }>(
      'SELECT created_date, log FROM audit_auditlog WHERE id > $1 AND environment_id = $2 ORDER BY id DESC LIMIT 1',
      [lastAudit ?? 0, environment.id],
    );
    if (audit) term.line(`  Flagsmith's audit row: "${audit.log}" at ${audit.created_date.toISOString()}`);
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      const now = await store.info(environment.apiKey);
      if (now && now.contentHash !== before?.contentHash && (!audit || now.writtenAt >= audit.created_date)) {
        const after = audit ? `${now.writtenAt.getTime() - audit.created_date.getTime()} ms after the audit row` : 'written';
        term.line(
          `  ${term.style('green', 'written')}: Development's document, ${now.bytes.toLocaleString('en')} bytes, ${now.featureStatesCount} feature states, ${after} (pass ${now.passSequence}, sha256 ${now.contentHash.slice(0, 12)}…)`,
        );
        if (readFileSync(stack.logPath, 'utf8').includes('"event":"environment_document.written"')) {
          term.line(term.style('dim', `  the worker logged environment_document.written and counted it in Prometheus (flagsmith_environment_document_writes_total)`));
        }
        return true;
      }
      term.live(term.style('dim', `  waiting for the document sync… ${Math.ceil((deadline - Date.now()) / 1000)} s`));
      await sleep(50);
    }
    term.line(term.style('red', `  no new document for Development within ${WAIT_MS / 1000} s; see ${stack.logPath}`));
    return false;
  } finally {
    await Promise.all([flagsmith.close(), storeDb.close()]);
  }
}
