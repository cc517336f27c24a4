/** The document store in flagops' PostgreSQL (`FLAGOPS_DATABASE_URL`, `environment_documents`). */
import type { Database } from '../db/sql.js';
import type { DocumentStore, DocumentWrite, StoredDocumentInfo, WriteResult } from './document-store.js';

interface InfoRow {
  environment_api_key: string;
  environment_id: number;
  feature_states_count: number;
  document_bytes: number;
  content_hash: string;
  pass_sequence: string;
  written_at: Date;
  checked_at: Date;
  [key: string]: unknown;
}

/** {@link DocumentStore} over flagops' PostgreSQL; the `flagops` migrations create its tables. */
export class PostgresDocumentStore implements DocumentStore {
  constructor(private readonly db: Database) {}

  async write(request: DocumentWrite): Promise<WriteResult> {
    // $1…$7 in the order both the insert and the full update below name them.
    const values = [
      request.environmentApiKey,
      request.environmentId,
      request.documentJson,
      request.featureStatesCount,
      request.bytes,
      request.contentHash,
      request.passSequence,
    ];
    return this.db.transaction(async (client) => {
      // Insert-if-absent first; otherwise lock the row so concurrent writes of one environment serialise.
      const inserted = await client.query(
        `INSERT INTO environment_documents
           (environment_api_key, environment_id, document, feature_states_count, document_bytes, content_hash, pass_sequence)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
         ON CONFLICT (environment_api_key) DO NOTHING RETURNING 1`,
        values,
      );
      if (inserted.rowCount === 1) return { result: 'written' };
      const { rows } = await client.query<{ pass_sequence: string; content_hash: string }>(
        `SELECT pass_sequence, content_hash
           FROM environment_documents WHERE environment_api_key = $1 FOR UPDATE`,
        [request.environmentApiKey],
      );
      const stored = rows[0];
      if (!stored) throw new Error(`document row of ${request.environmentApiKey} vanished inside its transaction`);
      const storedSequence = Number(stored.pass_sequence);
      if (storedSequence >= request.passSequence) return { result: 'stale', storedSequence };
      if (stored.content_hash === request.contentHash) {
        // Moving the sequence matters: otherwise an older pass's late retry with different content
        // could still beat the stored sequence and replace this confirmed document.
        await client.query(
          'UPDATE environment_documents SET pass_sequence = $2, checked_at = now() WHERE environment_api_key = $1',
          [request.environmentApiKey, request.passSequence],
        );
        return { result: 'unchanged' };
      }
      await client.query(
        `UPDATE environment_documents
            SET environment_id = $2, document = $3::jsonb, feature_states_count = $4, document_bytes = $5,
                content_hash = $6, pass_sequence = $7, written_at = now(), checked_at = now()
          WHERE environment_api_key = $1`,
        values,
      );
      return { result: 'written' };
    });
  }

  async info(environmentApiKey: string): Promise<StoredDocumentInfo | undefined> {
    const [row] = await this.db.query<InfoRow>(
      `SELECT environment_api_key, environment_id, feature_states_count, document_bytes, content_hash, pass_sequence,
              written_at, checked_at
         FROM environment_documents WHERE environment_api_key = $1`,
      [environmentApiKey],
    );
    if (!row) return undefined;
    return {
      environmentApiKey: row.environment_api_key,
      environmentId: row.environment_id,
      featureStatesCount: row.feature_states_count,
      bytes: row.document_bytes,
      contentHash: row.content_hash,
      passSequence: Number(row.pass_sequence),
      writtenAt: row.written_at,
      checkedAt: row.checked_at,
    };
  }

  async remove(environmentId: number): Promise<number> {
    const rows = await this.db.query('DELETE FROM environment_documents WHERE environment_id = $1 RETURNING 1', [environmentId]);
    return rows.length;
  }

  async read(environmentApiKey: string): Promise<unknown> {
    const [row] = await this.db.query<{ document: unknown }>('SELECT document FROM environment_documents WHERE environment_api_key = $1', [
      environmentApiKey,
    ]);
    return row?.document;
  }
}
