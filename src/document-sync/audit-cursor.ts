/**
 * The audit-log tailer's durable cursor in flagops' database (`audit_log_cursors`): the highest
 * audit id handled and the ids handled inside the overlap window below it.
 */
import type { Database } from '../db/sql.js';

/** Where the tailer is in `audit_log_cursors`. */
export interface AuditCursor {
  highWater: number;
  /** Ids handled that are within the overlap window (so a re-read does not handle them twice). */
  seenIds: number[];
}

/** The tailer's cursor, or `undefined` before its first poll. */
export async function readCursor(db: Database, tailer: string): Promise<AuditCursor | undefined> {
  const [row] = await db.query<{ high_water: string; seen_ids: number[] }>('SELECT high_water, seen_ids FROM audit_log_cursors WHERE tailer = $1', [
    tailer,
  ]);
  return row && { highWater: Number(row.high_water), seenIds: row.seen_ids };
}

/** Store the tailer's cursor (insert or replace). */
export async function writeCursor(db: Database, tailer: string, cursor: AuditCursor): Promise<void> {
  await db.query(
    `INSERT INTO audit_log_cursors (tailer, high_water, seen_ids) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (tailer) DO UPDATE SET high_water = EXCLUDED.high_water, seen_ids = EXCLUDED.seen_ids, updated_at = now()`,
    [tailer, cursor.highWater, JSON.stringify(cursor.seenIds)],
  );
}

/**
 * The cursor after handling `ids`: high water moves to the largest id seen, and only ids within
 * `overlapRows` of it are remembered (older ones can no longer be re-read).
 */
export function advanceCursor(cursor: AuditCursor, ids: readonly number[], overlapRows: number): AuditCursor {
  const highWater = Math.max(cursor.highWater, ...ids);
  const floor = highWater - overlapRows;
  const seen = new Set([...cursor.seenIds, ...ids].filter((id) => id > floor));
  return { highWater, seenIds: [...seen].sort((a, b) => a - b) };
}
