/** The watermark of each filter (product.md §4): where the next keyset read starts. */
import type BetterSqlite3 from 'better-sqlite3';
import type { Watermark } from '../../core/ports.js';

interface WatermarkRow {
  filter_id: number;
  modified_at: string;
  contact_id: string;
  fingerprint: string;
  updated_at: string;
}

function toWatermark(row: WatermarkRow): Watermark {
  return { filterId: row.filter_id, modifiedAt: row.modified_at, contactId: row.contact_id, fingerprint: row.fingerprint, updatedAt: row.updated_at };
}

/** Reads and writes the watermarks table. */
export function watermarkTable(db: BetterSqlite3.Database) {
  return {
    get(filterId: number): Watermark | undefined {
      const row = db.prepare<[number], WatermarkRow>('SELECT * FROM watermarks WHERE filter_id = ?').get(filterId);
      return row === undefined ? undefined : toWatermark(row);
    },

    list(): Watermark[] {
      return db.prepare<[], WatermarkRow>('SELECT * FROM watermarks ORDER BY filter_id').all().map(toWatermark);
    },

    /** Sets every given watermark in one transaction, each stamped `at`. */
    set(watermarks: readonly Omit<Watermark, 'updatedAt'>[], at: string): void {
      const upsert = db.prepare(
        `INSERT INTO watermarks (filter_id, modified_at, contact_id, fingerprint, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (filter_id) DO UPDATE SET modified_at = excluded.modified_at, contact_id = excluded.contact_id,
           fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
      );
      db.transaction(() => {
        for (const mark of watermarks) upsert.run(mark.filterId, mark.modifiedAt, mark.contactId, mark.fingerprint, at);
      })();
    },
  };
}
