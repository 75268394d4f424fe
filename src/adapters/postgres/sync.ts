/**
 * Where each filter's import stands, on PostgreSQL: watermarks, the payloads Cadence
 * confirmed (kept as the JSON text they were given in, so a payload reads back exactly),
 * and the retry table. Lookups and writes go a chunk of contacts per statement.
 */
import type { RetryEntry, Watermark } from '../../core/ports.js';
import type { SyncState } from '../../core/state.js';
import type { CadenceContact } from '../../core/types.js';
import type { TeamDb } from './db.js';

/** Contacts per statement: an import's batch is up to 1,000. */
const CHUNK = 5000;
const TEAM = 'dept_code = $1 AND client_name = $2';

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** The last of each key wins: one statement may not touch a row twice. */
export function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

interface WatermarkRow {
  filter_id: string;
  modified_at: string;
  contact_id: string;
  fingerprint: string;
  updated_at: string;
}

function toWatermark(row: WatermarkRow): Watermark {
  return { filterId: Number(row.filter_id), modifiedAt: row.modified_at, contactId: row.contact_id, fingerprint: row.fingerprint, updatedAt: row.updated_at };
}

interface RetryRow {
  contact_id: string;
  payload: string;
  filter_ids: string[];
  reason: string;
  attempts: number;
  first_failed_at: string;
}

export function pgSyncState(db: TeamDb, now: () => Date): SyncState {
  async function lookup<V>(column: string, ids: readonly string[], toValue: (value: unknown) => V): Promise<Map<string, V>> {
    const found = new Map<string, V>();
    for (const chunk of chunks(ids)) {
      const rows = await db.query<{ contact_id: string; value: unknown }>(
        `SELECT contact_id, ${column} AS value FROM confirmed WHERE ${TEAM} AND contact_id = ANY($3::text[])`,
        [chunk],
      );
      for (const row of rows) found.set(row.contact_id, toValue(row.value));
    }
    return found;
  }

  return {
    async getWatermark(filterId) {
      const rows = await db.query<WatermarkRow>(`SELECT * FROM watermarks WHERE ${TEAM} AND filter_id = $3`, [filterId]);
      return rows[0] === undefined ? undefined : toWatermark(rows[0]);
    },
    async listWatermarks() {
      return (await db.query<WatermarkRow>(`SELECT * FROM watermarks WHERE ${TEAM} ORDER BY filter_id`)).map(toWatermark);
    },
    async setWatermarks(watermarks) {
      db.writable('setWatermarks');
      const marks = lastByKey(watermarks, (mark) => String(mark.filterId));
      await db.query(
        `INSERT INTO watermarks (dept_code, client_name, filter_id, modified_at, contact_id, fingerprint, updated_at)
         SELECT $1, $2, m.filter_id, m.modified_at, m.contact_id, m.fingerprint, $7
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[]) AS m (filter_id, modified_at, contact_id, fingerprint)
         ON CONFLICT (dept_code, client_name, filter_id) DO UPDATE SET modified_at = excluded.modified_at,
           contact_id = excluded.contact_id, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
        [marks.map((m) => m.filterId), marks.map((m) => m.modifiedAt), marks.map((m) => m.contactId), marks.map((m) => m.fingerprint), now().toISOString()],
      );
    },
    getConfirmed: (ids) => lookup('payload', ids, (value) => JSON.parse(value as string) as CadenceContact),
    getConfirmedOptedOut: (ids) => lookup('opted_out', ids, (value) => (value === null ? undefined : (value as boolean))),
    async holdsAnyConfirmed() {
      return (await db.query(`SELECT 1 FROM confirmed WHERE ${TEAM} LIMIT 1`)).length > 0;
    },
    async recordConfirmed(entries) {
      db.writable('recordConfirmed');
      if (entries.length === 0) return;
      const at = now().toISOString();
      await db.transaction(async (query) => {
        for (const chunk of chunks(lastByKey(entries, (entry) => entry.contactId))) {
          const ids = chunk.map((entry) => entry.contactId);
          await query(
            `INSERT INTO confirmed (dept_code, client_name, contact_id, payload, opted_out, confirmed_at)
             SELECT $1, $2, c.id, c.payload, c.opted_out, $6 FROM unnest($3::text[], $4::text[], $5::boolean[]) AS c (id, payload, opted_out)
             ON CONFLICT (dept_code, client_name, contact_id) DO UPDATE SET payload = excluded.payload,
               opted_out = excluded.opted_out, confirmed_at = excluded.confirmed_at`,
            [ids, chunk.map((entry) => JSON.stringify(entry.payload)), chunk.map((entry) => entry.payload.optedOut ?? null), at],
          );
          await query(`DELETE FROM retries WHERE ${TEAM} AND contact_id = ANY($3::text[])`, [ids]);
        }
      });
    },
    async forgetConfirmed(ids) {
      db.writable('forgetConfirmed');
      for (const chunk of chunks(ids)) await db.query(`DELETE FROM confirmed WHERE ${TEAM} AND contact_id = ANY($3::text[])`, [chunk]);
    },
    async putRetries(entries) {
      db.writable('putRetries');
      if (entries.length === 0) return;
      const at = now().toISOString();
      // A contact failing again keeps its first failure time and counts one more attempt.
      await db.transaction(async (query) => {
        for (const chunk of chunks(lastByKey(entries, (entry) => entry.contactId))) {
          await query(
            `INSERT INTO retries (dept_code, client_name, contact_id, payload, filter_ids, reason, attempts, first_failed_at, last_failed_at)
             SELECT $1, $2, r.id, r.payload, translate(r.filter_ids, '[]', '{}')::bigint[], r.reason, 1, $7, $7
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS r (id, payload, filter_ids, reason)
             ON CONFLICT (dept_code, client_name, contact_id) DO UPDATE SET payload = excluded.payload, filter_ids = excluded.filter_ids,
               reason = excluded.reason, attempts = retries.attempts + 1, last_failed_at = excluded.last_failed_at`,
            [
              chunk.map((entry) => entry.contactId),
              chunk.map((entry) => JSON.stringify(entry.payload)),
              chunk.map((entry) => JSON.stringify(entry.filterIds)),
              chunk.map((entry) => entry.reason),
              at,
            ],
          );
        }
      });
    },
    async listRetries(): Promise<RetryEntry[]> {
      const rows = await db.query<RetryRow>(`SELECT * FROM retries WHERE ${TEAM} ORDER BY first_failed_at, seq`);
      return rows.map((row) => ({
        contactId: row.contact_id,
        payload: JSON.parse(row.payload) as CadenceContact,
        filterIds: row.filter_ids.map(Number),
        reason: row.reason,
        attempts: row.attempts,
        firstFailedAt: row.first_failed_at,
      }));
    },
    async removeRetries(ids) {
      db.writable('removeRetries');
      for (const chunk of chunks(ids)) await db.query(`DELETE FROM retries WHERE ${TEAM} AND contact_id = ANY($3::text[])`, [chunk]);
    },
    async countRetries() {
      const rows = await db.query<{ count: string }>(`SELECT count(*) AS count FROM retries WHERE ${TEAM}`);
      return Number(rows[0]?.count ?? 0);
    },
  };
}
