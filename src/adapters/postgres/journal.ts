/**
 * The opt-out journal on PostgreSQL (product.md §5), with the same rules as the SQLite
 * file: optout-journal.ts judges each change, this file stores the verdict. A journal
 * write and a claim each run in one short transaction that first takes the team's
 * journal lock (transaction-level), so writers on several machines judge and claim one
 * at a time, as SQLite's IMMEDIATE transactions make them.
 */
import type { CadenceConsent, JournalEntry, OptOutPosition } from '../../core/ports.js';
import type { OptOutJournal } from '../../core/state.js';
import { consentOf, isDecisive, isRecorded, judgeChange, type JournalChange, type JournalSource, type JournalVerdict } from '../../core/optout-journal.js';
import { isProcessAlive } from '../process-alive.js';
import { lockKey } from './connection.js';
import type { Query, TeamDb } from './db.js';
import { chunks } from './sync.js';

interface EntryRow {
  id: string;
  contact_id: string;
  opted_out: boolean;
  changed_at: string;
  source: string;
  received_at: string;
  state: JournalEntry['state'];
  attempts: number;
  error: string | null;
}

const TEAM = 'dept_code = $1 AND client_name = $2';
const COLUMNS = 'id, contact_id, opted_out, changed_at, source, received_at, state, attempts, error';

function toEntry(row: EntryRow): JournalEntry {
  return {
    id: Number(row.id),
    contactId: row.contact_id,
    optedOut: row.opted_out,
    changedAt: row.changed_at,
    source: row.source as JournalSource,
    receivedAt: row.received_at,
    state: row.state,
    attempts: row.attempts,
    ...(row.error !== null && { error: row.error }),
  };
}

/** Judges one change against the contact's latest decisive entry and stores the verdict (inside the journal's transaction). */
async function journalOne(query: Query, change: JournalChange, receivedAt: string): Promise<JournalVerdict> {
  const latest = await query<{ opted_out: boolean; changed_at: string; source: JournalSource }>(
    `SELECT opted_out, changed_at, source FROM optout_journal WHERE ${TEAM} AND contact_id = $3 AND decisive ORDER BY changed_at DESC, id DESC LIMIT 1`,
    [change.contactId],
  );
  const found = await query(`SELECT 1 FROM optout_journal WHERE ${TEAM} AND contact_id = $3 AND changed_at = $4 AND opted_out = $5`, [
    change.contactId,
    change.changedAt,
    change.optedOut,
  ]);
  const row = latest[0];
  const verdict = judgeChange(change, row && { optedOut: row.opted_out, changedAt: row.changed_at, source: row.source }, found.length > 0);
  if (!isRecorded(verdict)) return verdict;
  if (isDecisive(verdict)) {
    await query(`UPDATE optout_journal SET state = 'superseded', decisive = false WHERE ${TEAM} AND contact_id = $3 AND state = 'pending'`, [change.contactId]);
    await query(`UPDATE optout_journal SET decisive = false WHERE ${TEAM} AND contact_id = $3 AND decisive`, [change.contactId]);
  }
  const state = verdict === 'pending' ? 'pending' : verdict === 'echo' ? 'echo' : 'history';
  await query(
    `INSERT INTO optout_journal (dept_code, client_name, contact_id, opted_out, changed_at, source, received_at, decisive, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [change.contactId, change.optedOut, change.changedAt, change.source, receivedAt, isDecisive(verdict), state],
  );
  return verdict;
}

/** Pending entries no live claim holds or blocks (by contact), oldest first, claimed for `owner` in one statement. */
const CLAIM = `UPDATE optout_journal SET claimed_by = $3, claimed_until = $4
  WHERE ${TEAM} AND id IN (
    SELECT j.id FROM optout_journal AS j
    WHERE j.dept_code = $1 AND j.client_name = $2 AND j.state = 'pending'
      AND (NOT $5::boolean OR j.next_attempt_at IS NULL OR j.next_attempt_at <= $6)
      AND NOT EXISTS (SELECT 1 FROM optout_journal AS o
        WHERE o.dept_code = $1 AND o.client_name = $2 AND o.contact_id = j.contact_id AND o.claimed_until > $6)
    ORDER BY j.changed_at, j.id LIMIT $7)
  RETURNING ${COLUMNS}`;

function byTime(a: JournalEntry, b: JournalEntry): number {
  return a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.id - b.id;
}

export interface JournalOptions {
  now: () => Date;
  /** Whether a claim's owner (`<host>|<pid>|…`) still runs; see sqlite/lock.ts. */
  alive?: (pid: number, host: string) => boolean;
}

export function pgOptOutJournal(db: TeamDb, options: JournalOptions): OptOutJournal {
  const { now } = options;
  const alive = options.alive ?? isProcessAlive;
  const journalKey = lockKey('connect-sync journal', db.team);

  /** One transaction holding the team's journal lock. */
  function serialised<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return db.transaction(async (query) => {
      await query('SELECT pg_advisory_xact_lock($3::bigint) WHERE $1::text IS NOT NULL AND $2::text IS NOT NULL', [journalKey]);
      return work(query);
    });
  }

  /** A writer killed mid-claim (kill -9) must not hold its entries for the whole lease. */
  async function lapseDeadOwners(query: Query, owner: string, stamp: string): Promise<void> {
    const owners = await query<{ claimed_by: string }>(`SELECT DISTINCT claimed_by FROM optout_journal WHERE ${TEAM} AND claimed_until > $3`, [stamp]);
    for (const { claimed_by: holder } of owners) {
      const [host = '', pid = ''] = holder.split('|');
      if (holder !== owner && !alive(Number(pid), host)) {
        await query(`UPDATE optout_journal SET claimed_by = NULL, claimed_until = NULL WHERE ${TEAM} AND claimed_by = $3`, [holder]);
      }
    }
  }

  return {
    async getPosition() {
      const rows = await db.query<{ since: string | null; cursor: string | null; seen: string }>(`SELECT since, cursor, seen FROM optout_position WHERE ${TEAM}`);
      const row = rows[0];
      if (row === undefined) return { seen: [] };
      const position: OptOutPosition & { seen: string[] } = { seen: JSON.parse(row.seen) as string[] };
      if (row.since !== null) position.since = row.since;
      if (row.cursor !== null) position.cursor = row.cursor;
      return position;
    },
    async setPosition(position) {
      db.writable('setPosition');
      await db.query(
        `INSERT INTO optout_position (dept_code, client_name, since, cursor, seen) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (dept_code, client_name) DO UPDATE SET since = excluded.since, cursor = excluded.cursor, seen = excluded.seen`,
        [position.since ?? null, position.cursor ?? null, JSON.stringify(position.seen)],
      );
    },
    async journal(changes) {
      db.writable('journal');
      if (changes.length === 0) return [];
      const receivedAt = now().toISOString();
      return serialised(async (query) => {
        const verdicts: JournalVerdict[] = [];
        for (const change of changes) verdicts.push(await journalOne(query, change, receivedAt));
        return verdicts;
      });
    },
    async getConsent(ids) {
      const found = new Map<string, CadenceConsent>();
      for (const chunk of chunks(ids)) {
        const rows = await db.query<{ contact_id: string; opted_out: boolean; changed_at: string; source: JournalSource }>(
          `SELECT DISTINCT ON (contact_id) contact_id, opted_out, changed_at, source FROM optout_journal
           WHERE ${TEAM} AND contact_id = ANY($3::text[]) AND decisive ORDER BY contact_id, changed_at DESC, id DESC`,
          [chunk],
        );
        for (const row of rows) {
          const consent = consentOf({ optedOut: row.opted_out, changedAt: row.changed_at, source: row.source });
          if (consent !== undefined) found.set(row.contact_id, consent);
        }
      }
      return found;
    },
    async holdsAny() {
      return (await db.query(`SELECT 1 FROM optout_journal WHERE ${TEAM} LIMIT 1`)).length > 0;
    },
    async claim(owner, claimOptions) {
      db.writable('claim');
      const at = now();
      const stamp = at.toISOString();
      const until = new Date(at.getTime() + claimOptions.leaseMs).toISOString();
      const rows = await serialised(async (query) => {
        await lapseDeadOwners(query, owner, stamp);
        return query<EntryRow>(CLAIM, [owner, until, claimOptions.dueOnly, stamp, claimOptions.limit]);
      });
      return rows.map(toEntry).sort(byTime);
    },
    async finish(id, owner, result) {
      db.writable('finish');
      if (result.state === 'released') {
        await db.query(`UPDATE optout_journal SET claimed_by = NULL, claimed_until = NULL WHERE ${TEAM} AND id = $3 AND claimed_by = $4`, [id, owner]);
        return;
      }
      await db.query(
        `UPDATE optout_journal SET state = CASE WHEN state = 'pending' THEN $5 ELSE state END, error = $6,
           attempts = attempts + 1, next_attempt_at = $7, claimed_by = NULL, claimed_until = NULL
         WHERE ${TEAM} AND id = $3 AND claimed_by = $4`,
        [id, owner, result.state, result.state === 'done' ? null : result.error, result.state === 'pending' ? result.retryAt : null],
      );
    },
    async takeUnreportedFailures() {
      db.writable('takeUnreportedFailures');
      const rows = await db.query<EntryRow>(
        `UPDATE optout_journal SET reported = true WHERE ${TEAM} AND state = 'failed' AND NOT reported RETURNING ${COLUMNS}`,
      );
      return rows.map(toEntry).sort(byTime);
    },
    async listPending(limit = 1_000_000) {
      const rows = await db.query<EntryRow>(`SELECT ${COLUMNS} FROM optout_journal WHERE ${TEAM} AND state = 'pending' ORDER BY changed_at, id LIMIT $3`, [limit]);
      return rows.map(toEntry);
    },
    async counts() {
      const rows = await db.query<{ pending: string; failed: string }>(
        `SELECT count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'failed') AS failed FROM optout_journal WHERE ${TEAM}`,
      );
      return { pending: Number(rows[0]?.pending ?? 0), failed: Number(rows[0]?.failed ?? 0) };
    },
  };
}
