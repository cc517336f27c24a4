/**
 * A document store that records every document actually written (result `written`) before
 * passing it on: the race harness counts partial documents from this record, since the real store
 * keeps only the latest one. It wraps the store interface, as a DynamoDB store would implement it.
 */
import type { DocumentStore, DocumentWrite, StoredDocumentInfo, WriteResult } from '../src/store/document-store.js';

/** One document that reached the store. */
export interface RecordedWrite {
  environmentApiKey: string;
  featureStatesCount: number;
  /** Epoch ms when the write committed. */
  at: number;
}

/** Records each `written` result of the wrapped store; everything else passes straight through. */
export class RecordingStore implements DocumentStore {
  readonly writes: RecordedWrite[] = [];

  constructor(private readonly inner: DocumentStore) {}

  async write(request: DocumentWrite): Promise<WriteResult> {
    const result = await this.inner.write(request);
    if (result.result === 'written') {
      this.writes.push({ environmentApiKey: request.environmentApiKey, featureStatesCount: request.featureStatesCount, at: Date.now() });
    }
    return result;
  }

  info(environmentApiKey: string): Promise<StoredDocumentInfo | undefined> {
    return this.inner.info(environmentApiKey);
  }

  read(environmentApiKey: string): Promise<unknown> {
    return this.inner.read(environmentApiKey);
  }

  remove(environmentId: number): Promise<number> {
    return this.inner.remove(environmentId);
  }

  /** When the environment first had a document with `features` environment defaults stored. */
  firstCompleteAt(environmentApiKey: string, features: number): number | undefined {
    return this.writes.find((w) => w.environmentApiKey === environmentApiKey && w.featureStatesCount >= features)?.at;
  }
}
