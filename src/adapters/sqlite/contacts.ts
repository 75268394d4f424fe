/**
 * Per-contact state: the payload Cadence last confirmed and the contacts waiting for a
 * retry. Sized for a million contacts: lookups go by primary key in chunks, writes in one transaction per batch with prepared statements.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { RetryEntry } from '../../core/ports.js';
import type { CadenceContact } from '../../core/types.js';

type Db = BetterSqlite3.Database;

/** Ids per lookup: the whole list goes in as one JSON parameter joined through json_each. */
const LOOKUP_CHUNK = 1000;

/** Runs `lookup` on the ids in chunks and collects the rows into a map. */
function lookupInChunks<V>(
  statement: BetterSqlite3.Statement<[string], unknown[]>,
  contactIds: readonly string[],
  toValue: (row: unknown[]) => V,
): Map<string, V> {
  const found = new Map<string, V>();
  for (let start = 0; start < contactIds.length; start += LOOKUP_CHUNK) {
    const rows = statement.all(JSON.stringify(contactIds.slice(start, start + LOOKUP_CHUNK)));
    for (const row of rows) found.set(row[0] as string, toValue(row));
  }
  return found;
}

/**
 * `FROM json_each(?) CROSS JOIN <table>` makes SQLite walk the given ids and probe the
 * table's primary key once per id, whatever the table's size.
 */
function lookupStatement(db: Db, columns: string, table: string): BetterSqlite3.Statement<[string], unknown[]> {
  return db
    .prepare<[string], unknown[]>(`SELECT t.contact_id, ${columns} FROM json_each(?) AS ids CROSS JOIN ${table} AS t ON t.contact_id = ids.value`)
    .raw(true);
}

/** A check that a table has any row at all (reads at most one row, whatever its size). */
function anyRowOf(db: Db, table: string): () => boolean {
  const exists = db.prepare<[], number>(`SELECT EXISTS (SELECT 1 FROM ${table})`).pluck(true);
  return () => exists.get() === 1;
}

/** Prepares the confirmed-payload statements of one connection. */
export function confirmedTable(db: Db) {
  const lookup = lookupStatement(db, 't.payload', 'confirmed');
  // SQLite's JSON reads the one key: true and false come back as 1 and 0, a missing key as null.
  const lookupOptedOut = lookupStatement(db, "json_extract(t.payload, '$.optedOut')", 'confirmed');
  const any = anyRowOf(db, 'confirmed');
  const upsert = db.prepare(
    `INSERT INTO confirmed (contact_id, payload, confirmed_at) VALUES (?, ?, ?)
     ON CONFLICT (contact_id) DO UPDATE SET payload = excluded.payload, confirmed_at = excluded.confirmed_at`,
  );
  const dropRetry = db.prepare('DELETE FROM retries WHERE contact_id = ?');
  const anyRetry = anyRowOf(db, 'retries');
  const forget = db.prepare('DELETE FROM confirmed WHERE contact_id = ?');

  const record = db.transaction((entries: readonly { contactId: string; json: string }[], at: string) => {
    // The retry table is nearly always empty: then there is nothing to drop, row by row.
    const dropRetries = anyRetry();
    for (const entry of entries) {
      upsert.run(entry.contactId, entry.json, at);
      if (dropRetries) dropRetry.run(entry.contactId);
    }
  });
  const forgetAll = db.transaction((contactIds: readonly string[]) => {
    for (const contactId of contactIds) forget.run(contactId);
  });

  return {
    /** The confirmed payloads as stored: canonical JSON text, to compare without parsing. */
    getJson(contactIds: readonly string[]): Map<string, string> {
      return lookupInChunks(lookup, contactIds, (row) => row[1] as string);
    },
    get(contactIds: readonly string[]): Map<string, CadenceContact> {
      return lookupInChunks(lookup, contactIds, (row) => JSON.parse(row[1] as string) as CadenceContact);
    },
    getOptedOut(contactIds: readonly string[]): Map<string, boolean | undefined> {
      return lookupInChunks(lookupOptedOut, contactIds, (row) => (row[1] === null ? undefined : row[1] === 1));
    },
    any,
    /** Records `json` (the payload's JSON text) per contact and drops them from the retry table. */
    record(entries: readonly { contactId: string; json: string }[], at: string): void {
      record(entries, at);
    },
    forget(contactIds: readonly string[]): void {
      forgetAll(contactIds);
    },
  };
}

interface RetryRow {
  contact_id: string;
  payload: string;
  filter_ids: string;
  reason: string;
  attempts: number;
  first_failed_at: string;
}

/** Prepares the retry-table statements of one connection. */
export function retryTable(db: Db) {
  // A contact failing again keeps its first failure time and counts one more attempt.
  const upsert = db.prepare(
    `INSERT INTO retries (contact_id, payload, filter_ids, reason, attempts, first_failed_at, last_failed_at)
     VALUES (@contactId, @payload, @filterIds, @reason, 1, @at, @at)
     ON CONFLICT (contact_id) DO UPDATE SET payload = excluded.payload, filter_ids = excluded.filter_ids,
       reason = excluded.reason, attempts = retries.attempts + 1, last_failed_at = excluded.last_failed_at`,
  );
  const list = db.prepare<[], RetryRow>('SELECT * FROM retries ORDER BY first_failed_at, rowid');
  const remove = db.prepare('DELETE FROM retries WHERE contact_id = ?');
  const count = db.prepare<[], number>('SELECT count(*) FROM retries').pluck(true);

  const put = db.transaction((entries: readonly Omit<RetryEntry, 'attempts' | 'firstFailedAt'>[], at: string) => {
    for (const entry of entries) {
      upsert.run({ contactId: entry.contactId, payload: JSON.stringify(entry.payload), filterIds: JSON.stringify(entry.filterIds), reason: entry.reason, at });
    }
  });
  const removeAll = db.transaction((contactIds: readonly string[]) => {
    for (const contactId of contactIds) remove.run(contactId);
  });

  return {
    put(entries: readonly Omit<RetryEntry, 'attempts' | 'firstFailedAt'>[], at: string): void {
      put(entries, at);
    },
    list(): RetryEntry[] {
      return list.all().map((row) => ({
        contactId: row.contact_id,
        payload: JSON.parse(row.payload) as CadenceContact,
        filterIds: JSON.parse(row.filter_ids) as number[],
        reason: row.reason,
        attempts: row.attempts,
        firstFailedAt: row.first_failed_at,
      }));
    },
    remove(contactIds: readonly string[]): void {
      removeAll(contactIds);
    },
    count(): number {
      return count.get() ?? 0;
    },
  };
}
