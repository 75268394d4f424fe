/**
 * The state file's writer thread (write-behind.ts): runs the writes the main thread queues
 * on a connection of its own, one transaction each, in the order queued, and says how far
 * it got through the shared progress array. After a failure it reports it and runs nothing
 * more: a later write must never land without the one before it.
 */
import { workerData } from 'node:worker_threads';
import { openSecondWriter } from './database.js';
import { confirmedTable, retryTable } from './contacts.js';
import { issueTable, runTable } from './runs.js';
import { DONE, FAILED, READY, type QueuedWrite, type WriterData, type WriterFailure } from './write-behind.js';

const { file, progress, port } = workerData as WriterData;
const done = new Int32Array(progress);

/** Reports a failure and stops: nothing queued after it runs. */
function fail(seq: number, error: unknown): void {
  const failure: WriterFailure = {
    seq,
    message: error instanceof Error ? error.message : String(error),
    code: typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined,
  };
  // The message first: the main thread reads it as soon as it sees the flag.
  port.postMessage(failure);
  Atomics.store(done, FAILED, 1);
  Atomics.notify(done, DONE);
  Atomics.notify(done, READY);
}

/** The connection and its statements. */
function open() {
  const db = openSecondWriter(file);
  // Only updateCounts is used here: no lock is read, so no holder's liveness is asked.
  return { db, confirmed: confirmedTable(db), retries: retryTable(db), issues: issueTable(db), runs: runTable(db, () => true) };
}

type Tables = ReturnType<typeof open>;

function run({ db, confirmed, retries, issues, runs }: Tables, write: QueuedWrite): void {
  switch (write.kind) {
    case 'record':
      confirmed.record(
        write.ids.map((contactId, index) => ({ contactId, json: write.jsons[index]! })),
        write.at,
      );
      return;
    case 'forget':
      confirmed.forget(write.ids);
      return;
    case 'putRetries':
      retries.put(write.entries, write.at);
      return;
    case 'removeRetries':
      retries.remove(write.ids);
      return;
    case 'addIssues':
      issues.add(write.runId, write.issues);
      return;
    case 'runCounts':
      runs.updateCounts(write.runId, write.counts);
      return;
    case 'close':
      db.close();
      port.close();
  }
}

let tables: Tables | undefined;
try {
  tables = open();
  Atomics.store(done, READY, 1);
  Atomics.notify(done, READY);
} catch (error) {
  // Never ready: the main thread goes on writing on its own connection.
  fail(0, error);
}

port.on('message', (write: QueuedWrite) => {
  if (tables === undefined || Atomics.load(done, FAILED) !== 0) return;
  try {
    run(tables, write);
  } catch (error) {
    fail(write.seq, error);
    return;
  }
  Atomics.store(done, DONE, write.seq);
  Atomics.notify(done, DONE);
});
