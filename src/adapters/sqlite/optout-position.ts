/** Where the opt-out write-back stopped reading Cadence's opt-out feed (one row). */
import type BetterSqlite3 from 'better-sqlite3';
import type { OptOutPosition } from '../../core/ports.js';

export type StoredOptOutPosition = OptOutPosition & { seen: string[] };

/** Reads and writes the optout_position row. */
export function optOutPositionTable(db: BetterSqlite3.Database) {
  return {
    get(): StoredOptOutPosition {
      const row = db
        .prepare<[], { since: string | null; cursor: string | null; seen: string }>('SELECT since, cursor, seen FROM optout_position WHERE id = 1')
        .get();
      if (row === undefined) return { seen: [] };
      return {
        ...(row.since !== null && { since: row.since }),
        ...(row.cursor !== null && { cursor: row.cursor }),
        seen: JSON.parse(row.seen) as string[],
      };
    },

    set(position: StoredOptOutPosition): void {
      db.prepare('INSERT OR REPLACE INTO optout_position (id, since, cursor, seen) VALUES (1, ?, ?, ?)').run(
        position.since ?? null,
        position.cursor ?? null,
        JSON.stringify(position.seen),
      );
    },
  };
}
