/**
 * A workflow history as searchable text: payload bodies are base64 in the history's JSON, so a
 * secret could hide there from a plain string search. Every payload `data` is decoded alongside.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export async function historyText(handle: WorkflowHandle): Promise<string> {
  const json = historyToJSON(await handle.fetchHistory());
  const decoded: string[] = [];
  for (const match of json.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)) {
    decoded.push(Buffer.from(match[1] ?? '', 'base64').toString('utf8'));
  }
  return `${json}\n${decoded.join('\n')}`;
}
