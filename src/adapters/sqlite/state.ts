/**
 * The state's role ports (core/state.ts) over one SQLite file. The file's tables answer
 * synchronously (SqliteStateStore); this adapter hands their answers out as promises, so
 * the core and the commands use the SQLite file and PostgreSQL alike.
 */
import type { State } from '../../core/state.js';
import { openStateStore, type SqliteStateStore, type StateStoreOptions } from './store.js';

/** Opens the state file at `path` as the state's roles; see openStateStore for the options and errors. */
export function openSqliteState(path: string, options: StateStoreOptions = {}): SqliteState {
  return sqliteState(openStateStore(path, options));
}

/** A State over an open SQLite store; `store` stays reachable for what only SQLite has (tests, write-behind). */
export interface SqliteState extends State {
  readonly store: SqliteStateStore;
}

export function sqliteState(store: SqliteStateStore): SqliteState {
  return {
    store,
    description: `state file ${store.path}`,
    readonly: store.readonly,
    lock: {
      async acquire(holder) {
        store.acquireLock(holder);
        return store.lastTakeover === undefined ? {} : { takenOver: store.lastTakeover };
      },
      release: async () => store.releaseLock(),
      holder: async () => store.lockHolder(),
    },
    runs: {
      start: async (kind, options) => store.startRun(kind, options),
      updateCounts: async (runId, counts) => store.updateRunCounts(runId, counts),
      finish: async (runId, result) => store.finishRun(runId, result),
      recordMail: async (runId, mail) => store.recordMail(runId, mail),
      get: async (runId) => store.getRun(runId),
      recent: async (limit) => store.recentRuns(limit),
      lastCompletedImport: async () => store.lastCompletedImport(),
      scheduledCompletedSince: async (since) => store.scheduledCompletedSince(since),
    },
    sync: {
      getWatermark: async (filterId) => store.getWatermark(filterId),
      listWatermarks: async () => store.listWatermarks(),
      setWatermarks: async (watermarks) => store.setWatermarks(watermarks),
      getConfirmed: async (ids) => store.getConfirmed(ids),
      getConfirmedOptedOut: async (ids) => store.getConfirmedOptedOut(ids),
      holdsAnyConfirmed: async () => store.holdsAny('confirmed'),
      recordConfirmed: async (entries) => store.recordConfirmed(entries),
      forgetConfirmed: async (ids) => store.forgetConfirmed(ids),
      putRetries: async (entries) => store.putRetries(entries),
      listRetries: async () => store.listRetries(),
      removeRetries: async (ids) => store.removeRetries(ids),
      countRetries: async () => store.countRetries(),
    },
    journal: {
      getPosition: async () => store.getOptOutPosition(),
      setPosition: async (position) => store.setOptOutPosition(position),
      journal: async (changes) => store.journalOptOuts(changes),
      getConsent: async (ids) => store.getConsent(ids),
      holdsAny: async () => store.holdsAny('consent'),
      claim: async (owner, options) => store.claimOptOuts(owner, options),
      finish: async (id, owner, result) => store.finishOptOut(id, owner, result),
      takeUnreportedFailures: async () => store.takeUnreportedOptOutFailures(),
      listPending: async (limit) => store.listPendingOptOuts(limit),
      counts: async () => store.countOptOuts(),
    },
    report: {
      add: async (runId, issues) => store.addIssues(runId, issues),
      rows: (runId) => fromSync(() => store.iterateIssues(runId)),
      listStillFailing: async () => store.listStillFailing(),
      applyStillFailing: async (runId, changes) => store.applyStillFailing(runId, changes),
      countStillFailing: async (exceptRunId) => store.countStillFailing(exceptRunId),
      stillFailingRows: (exceptRunId) => fromSync(() => store.iterateStillFailing(exceptRunId)),
    },
    close: async () => store.close(),
  };
}

/** A synchronous iterable, started when iteration starts, handed out as an async one. */
async function* fromSync<T>(open: () => Iterable<T>): AsyncGenerator<T> {
  yield* open();
}
