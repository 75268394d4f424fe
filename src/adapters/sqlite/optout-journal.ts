/**
 * The opt-out journal in SQLite (product.md §5): every change Cadence reported, once, with
 * its write-back state. Writers (serve, an import, `optouts`) may share the file: each
 * write is one short IMMEDIATE transaction, and an entry is written back only by the
 * writer whose claim (with an expiry, so a dead writer's claims lapse) holds it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { CadenceConsent, JournalEntry, JournalResult } from '../../core/ports.js';
import { consentOf, isDecisive, isRecorded, judgeChange, type JournalChange, type JournalSource, type JournalVerdict } from '../../core/optout-journal.js';

type Db = BetterSqlite3.Database;

interface EntryRow {
  id: number;
  contact_id: string;
  opted_out: number;
  changed_at: string;
  source: string;
  received_at: string;
  state: JournalEntry['state'];
  attempts: number;
  error: string | null;
}

const LOOKUP_CHUNK = 1000;
const COLUMNS = 'id, contact_id, opted_out, changed_at, source, received_at, state, attempts, error';

function toEntry(row: EntryRow): JournalEntry {
  return {
    id: row.id,
    contactId: row.contact_id,
    optedOut: row.opted_out === 1,
    changedAt: row.changed_at,
    source: row.source as JournalSource,
    receivedAt: row.received_at,
    state: row.state,
    attempts: row.attempts,
    ...(row.error !== null && { error: row.error }),
  };
}

/** The journal's statements, prepared once on one connection. */
function prepareStatements(db: Db) {
  const owners = db.prepare<[string], string>('SELECT DISTINCT claimed_by FROM optout_journal WHERE claimed_until > ?').pluck(true);
  const lapse = db.prepare('UPDATE optout_journal SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?');
  const latest = db.prepare<[string], { opted_out: number; changed_at: string; source: JournalSource }>(
    'SELECT opted_out, changed_at, source FROM optout_journal WHERE contact_id = ? AND decisive = 1 ORDER BY changed_at DESC, id DESC LIMIT 1',
  );
  const exists = db.prepare<[string, string, number], number>('SELECT 1 FROM optout_journal WHERE contact_id = ? AND changed_at = ? AND opted_out = ?').pluck(true);
  const supersede = db.prepare("UPDATE optout_journal SET state = 'superseded', decisive = 0 WHERE contact_id = ? AND state = 'pending'");
  const undecide = db.prepare('UPDATE optout_journal SET decisive = 0 WHERE contact_id = ? AND decisive = 1');
  const insert = db.prepare(
    'INSERT INTO optout_journal (contact_id, opted_out, changed_at, source, received_at, decisive, state) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const latestOf = db
    .prepare<[string], unknown[]>(
      `SELECT ids.value, j.opted_out, j.changed_at, j.source FROM json_each(?) AS ids CROSS JOIN optout_journal AS j
       ON j.id = (SELECT id FROM optout_journal WHERE contact_id = ids.value AND decisive = 1 ORDER BY changed_at DESC, id DESC LIMIT 1)`,
    )
    .raw(true);
  const any = db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM optout_journal)').pluck(true);
  // One statement, so that two writers can never claim the same entry.
  const claim = db.prepare<[string, string, number, string, string, number], EntryRow>(
    `UPDATE optout_journal SET claimed_by = ?, claimed_until = ?
     WHERE id IN (
       SELECT j.id FROM optout_journal AS j
       WHERE j.state = 'pending' AND (? = 0 OR j.next_attempt_at IS NULL OR j.next_attempt_at <= ?)
         AND NOT EXISTS (SELECT 1 FROM optout_journal AS o WHERE o.contact_id = j.contact_id AND o.claimed_until > ?)
       ORDER BY j.changed_at, j.id LIMIT ?)
     RETURNING ${COLUMNS}`,
  );
  const finish = db.prepare(
    `UPDATE optout_journal SET state = CASE WHEN state = 'pending' THEN @state ELSE state END, error = @error,
       attempts = attempts + 1, next_attempt_at = @retryAt, claimed_by = NULL, claimed_until = NULL
     WHERE id = @id AND claimed_by = @owner`,
  );
  const release = db.prepare('UPDATE optout_journal SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?');
  const unreported = db.prepare<[], EntryRow>(`SELECT ${COLUMNS} FROM optout_journal WHERE state = 'failed' AND reported = 0 ORDER BY changed_at, id`);
  const markReported = db.prepare("UPDATE optout_journal SET reported = 1 WHERE state = 'failed' AND reported = 0");
  const pending = db.prepare<[number], EntryRow>(`SELECT ${COLUMNS} FROM optout_journal WHERE state = 'pending' ORDER BY changed_at, id LIMIT ?`);
  const counts = db.prepare<[], { pending: number; failed: number }>(
    "SELECT (SELECT count(*) FROM optout_journal WHERE state = 'pending') AS pending, (SELECT count(*) FROM optout_journal WHERE state = 'failed') AS failed",
  );

  return { owners, lapse, latest, exists, supersede, undecide, insert, latestOf, any, claim, finish, release, unreported, markReported, pending, counts };
}

type Statements = ReturnType<typeof prepareStatements>;

/** Records changes in one transaction, each as its verdict says (core/optout-journal.ts judges). */
function recordChanges(db: Db, st: Statements, now: () => Date) {
  return db.transaction((changes: readonly JournalChange[]): JournalVerdict[] => {
    const receivedAt = now().toISOString();
    return changes.map((change) => {
      const row = st.latest.get(change.contactId);
      const found = st.exists.get(change.contactId, change.changedAt, change.optedOut ? 1 : 0) === 1;
      const verdict = judgeChange(change, row && { optedOut: row.opted_out === 1, changedAt: row.changed_at, source: row.source }, found);
      if (!isRecorded(verdict)) return verdict;
      if (isDecisive(verdict)) {
        st.supersede.run(change.contactId);
        st.undecide.run(change.contactId);
      }
      const state = verdict === 'pending' ? 'pending' : verdict === 'echo' ? 'echo' : 'history';
      st.insert.run(change.contactId, change.optedOut ? 1 : 0, change.changedAt, change.source, receivedAt, isDecisive(verdict) ? 1 : 0, state);
      return verdict;
    });
  });
}

/** Claims due entries for `owner`, first lapsing the claims of writers that died. */
function claimEntries(st: Statements, now: () => Date, alive: (pid: number, host: string) => boolean, owner: string, options: { limit: number; leaseMs: number; dueOnly: boolean }): JournalEntry[] {
  const at = now();
  const stamp = at.toISOString();
  const until = new Date(at.getTime() + options.leaseMs).toISOString();
  // A writer killed mid-claim (kill -9) must not hold its entries for the whole lease.
  for (const holder of st.owners.all(stamp)) {
    const [host = '', pid = ''] = holder.split('|');
    if (holder !== owner && !alive(Number(pid), host)) st.lapse.run(holder);
  }
  const rows = st.claim.all(owner, until, options.dueOnly ? 1 : 0, stamp, stamp, options.limit);
  return rows.map(toEntry).sort((a, b) => (a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.id - b.id));
}

/** Prepares the journal's statements on one connection; `now` stamps receipts and claims. */
export function journalTable(db: Db, now: () => Date, alive: (pid: number, host: string) => boolean) {
  const st = prepareStatements(db);
  const journal = recordChanges(db, st, now);

  return {
    journal(changes: readonly JournalChange[]): JournalVerdict[] {
      return journal.immediate(changes);
    },
    consent(contactIds: readonly string[]): Map<string, CadenceConsent> {
      const found = new Map<string, CadenceConsent>();
      for (let start = 0; start < contactIds.length; start += LOOKUP_CHUNK) {
        for (const row of st.latestOf.all(JSON.stringify(contactIds.slice(start, start + LOOKUP_CHUNK)))) {
          const consent = consentOf({ optedOut: row[1] === 1, changedAt: row[2] as string, source: row[3] as JournalSource });
          if (consent !== undefined) found.set(row[0] as string, consent);
        }
      }
      return found;
    },
    any(): boolean {
      return st.any.get() === 1;
    },
    claim(owner: string, options: { limit: number; leaseMs: number; dueOnly: boolean }): JournalEntry[] {
      return claimEntries(st, now, alive, owner, options);
    },
    finish(id: number, owner: string, result: JournalResult): void {
      if (result.state === 'released') {
        st.release.run(id, owner);
        return;
      }
      st.finish.run({
        id,
        owner,
        state: result.state,
        error: result.state === 'done' ? null : result.error,
        retryAt: result.state === 'pending' ? result.retryAt : null,
      });
    },
    takeUnreported: db.transaction((): JournalEntry[] => {
      const rows = st.unreported.all().map(toEntry);
      st.markReported.run();
      return rows;
    }),
    pending(limit: number): JournalEntry[] {
      return st.pending.all(limit).map(toEntry);
    },
    counts(): { pending: number; failed: number } {
      return st.counts.get() ?? { pending: 0, failed: 0 };
    },
  };
}
