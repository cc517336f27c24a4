/**
 * The environment-document store (SPEC §4): where the sync writes the documents SDKs will be
 * served from. The sync talks only to this interface, so a DynamoDB store can be added next to
 * the PostgreSQL one without touching the workflow or its activities.
 *
 * Glossary: a *document* is Flagsmith's environment document (the engine JSON SDKs evaluate
 * locally); a *pass* is one guard → build → completeness → write run of the sync workflow, and its
 * *pass sequence* orders writes of one environment.
 */

/** What a pass asks the store to keep. */
export interface DocumentWrite {
  environmentApiKey: string;
  environmentId: number;
  /** Canonical JSON text of the document (what `bytes` and `contentHash` describe). */
  documentJson: string;
  featureStatesCount: number;
  bytes: number;
  /** Hex sha256 of `documentJson`. */
  contentHash: string;
  /** The writing pass's sequence; must be greater than the stored one. */
  passSequence: number;
}

/**
 * - `written`: the document was stored.
 * - `unchanged`: the stored document is identical; only its sequence and check time moved.
 * - `stale`: the store already holds a document of a later (or the same) pass; nothing changed.
 */
export type WriteResult =
  | { result: 'written' }
  | { result: 'unchanged' }
  | { result: 'stale'; storedSequence: number };

/** A stored document's metadata (the document itself is read separately: it can be large). */
export interface StoredDocumentInfo {
  environmentApiKey: string;
  environmentId: number;
  featureStatesCount: number;
  bytes: number;
  contentHash: string;
  passSequence: number;
  writtenAt: Date;
  checkedAt: Date;
}

/** The store the sync writes to; implementations must keep `write` atomic per environment. */
export interface DocumentStore {
  /**
   * Store a document unless the store holds one from a later pass. Atomic per environment: two
   * concurrent writes of one environment end with the higher sequence's document.
   */
  write(request: DocumentWrite): Promise<WriteResult>;
  /** Metadata of the stored document of an environment, or `undefined`. */
  info(environmentApiKey: string): Promise<StoredDocumentInfo | undefined>;
  /** The stored document itself, or `undefined`. */
  read(environmentApiKey: string): Promise<unknown>;
  /**
   * Forget every document of an environment (it was deleted in Flagsmith, whose own delete hook
   * drops the environment from DynamoDB likewise). By id: a hard-deleted row leaves no api key.
   * @returns how many documents were removed.
   */
  remove(environmentId: number): Promise<number>;
}
