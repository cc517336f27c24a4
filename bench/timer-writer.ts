/**
 * Seed 001's old path, as the benchmarks' baseline: every audit row makes a document write 1 s
 * later (Flagsmith's `delay_until`), with no guard and no completeness check.
 */
import type { Database } from '../src/db/sql.js';
import { checkCompleteness } from '../src/document-sync/completeness.js';
import { maxAuditId } from '../src/document-sync/flagsmith-tables.js';
import type { FlagsmithClient } from '../src/flagsmith/client.js';
import { canonicalJson, sha256Hex } from '../src/store/canonical.js';
import type { DocumentStore } from '../src/store/document-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Start tailing the audit log the old way; resolves once it tails. `stop` returns the write errors. */
export async function startTimerWriter(db: Database, flagsmith: FlagsmithClient, store: DocumentStore): Promise<{ stop: () => Promise<number> }> {
  let stopped = false;
  let sequence = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  // Read the starting point before any run writes its audit row, so no row is skipped.
  let after = await maxAuditId(db);
  const loop = (async () => {
    while (!stopped) {
      const rows = await db.query<{ id: number; api_key: string; environment_id: number }>(
        `SELECT a.id, e.api_key, a.environment_id FROM audit_auditlog a JOIN environments_environment e ON e.id = a.environment_id
          WHERE a.id > $1 ORDER BY a.id`,
        [after],
      );
      for (const r of rows) {
        after = Math.max(after, r.id);
        const write = (async () => {
          await sleep(1_000);
          const { document } = await flagsmith.getEnvironmentDocument(r.api_key);
          const json = canonicalJson(document);
          // Counted as the sync counts, but never checked: that is the old path's flaw.
          const count = checkCompleteness(document, []).featureStatesCount;
          await store.write({
            environmentApiKey: r.api_key,
            environmentId: r.environment_id,
            documentJson: json,
            featureStatesCount: count,
            bytes: Buffer.byteLength(json),
            contentHash: sha256Hex(json),
            passSequence: ++sequence,
          });
        })();
        pending.add(write);
        void write.catch(() => void failed++).finally(() => pending.delete(write));
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.allSettled([...pending]);
      return failed;
    },
  };
}
