/**
 * Canonical JSON and its sha256, so two builds of the same document compare equal whatever order
 * Flagsmith serialised its keys in.
 */
import { createHash } from 'node:crypto';

export { canonicalJson } from '../canonical-json.js';

/** Hex sha256 of a text. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
