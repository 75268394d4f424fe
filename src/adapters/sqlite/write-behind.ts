/**
 * Write-behind for the state file: the import's frequent writes (confirmed
 * payloads, retries, report rows, run counts) run on a thread of their own, with a SQLite
 * connection of its own, so that committing them overlaps the main thread's work instead
 * of stopping it. A confirmed batch's commit takes milliseconds however small the batch:
 * contact ids arrive in no order, so each commit rewrites most pages of the id index, and
 * at a million contacts that was a fifth of a first import's main thread.
 *
 * What stays as it was with one connection:
 * - Each write is one transaction, and they commit one at a time in the order asked for;
 *   after a failure none runs, and the next call on the store throws it.
 * - Reads see every write asked for. Confirmed payloads not committed yet are answered
 *   from memory (the overlay); any other read, and any write on the main connection, first
 *   waits for the thread to finish what is queued (drain), so the connections never write
 *   at once and no SQLITE_BUSY wait can happen between them.
 * - forgetConfirmed returns once committed: a batch that replaces confirmed payloads is
 *   sent only after they are forgotten (pusher.ts). The watermark is written on the main
 *   connection, so after every write asked for before it.
 * - A kill loses at most the writes still queued, as a kill a few milliseconds earlier
 *   would have: the next run sends those contacts again.
 *
 * The thread starts with the first write it could take, and takes writes once its
 * connection is open (`ready`); until then they commit on the main connection, as without
 * it. A short run (an incremental one, a few batches) thus never waits for it to start.
 */
import { existsSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RetryEntry, RunCounts, RunIssue } from '../../core/ports.js';
import { StateFileError } from './state-file-error.js';

/**
 * A write as the thread receives it; `seq` counts from 1 in the order asked for. A batch's
 * payloads travel as a thousand small strings, not joined into one: a string of hundreds of
 * kilobytes is a large object, which only a full collection frees, on either thread.
 */
export type QueuedWrite = { seq: number } & (
  | { kind: 'record'; ids: readonly string[]; jsons: readonly string[]; at: string }
  | { kind: 'forget'; ids: readonly string[] }
  | { kind: 'putRetries'; entries: readonly Omit<RetryEntry, 'attempts' | 'firstFailedAt'>[]; at: string }
  | { kind: 'removeRetries'; ids: readonly string[] }
  | { kind: 'addIssues'; runId: string; issues: readonly RunIssue[] }
  | { kind: 'runCounts'; runId: string; counts: RunCounts }
  | { kind: 'close' }
);

type Write = QueuedWrite extends infer W ? (W extends QueuedWrite ? Omit<W, 'seq'> : never) : never;

export interface WriterData {
  file: string;
  /** Int32 slots DONE, FAILED and READY. */
  progress: SharedArrayBuffer;
  port: MessagePort;
}

/** What the thread sends back when a write failed (it sends nothing else). */
export interface WriterFailure {
  seq: number;
  message: string;
  code: string | undefined;
}

/** The last write committed. */
export const DONE = 0;
/** 1 once a write failed (or the connection could not be opened). */
export const FAILED = 1;
/** 1 once the thread's connection is open. */
export const READY = 2;

const THREAD_SCRIPT = new URL('./writer-thread.js', import.meta.url);

/** How long drain waits at a time before it checks on the thread. */
const WAIT_SLICE_MS = 1000;
/** Drain gives up when the thread has committed nothing for this long. */
const STALL_LIMIT_MS = 60 * 1000;
/** How long close() lets a thread that took no write yet finish opening its connection (it takes ~50 ms). */
const START_LIMIT_MS = 2000;

/**
 * Whether the writer thread can run: its compiled script is there. Unit tests run the
 * TypeScript sources, where it is not; their stores write on the main connection.
 */
export function writerThreadAvailable(): boolean {
  return existsSync(THREAD_SCRIPT);
}

export class WriteBehind {
  readonly #file: string;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #progress: Int32Array;
  #queued = 0;
  #failure: StateFileError | undefined;
  #exit: string | undefined;
  /** Confirmed payloads written or forgotten (null) and maybe not committed yet. */
  readonly #overlay = new Map<string, { seq: number; json: string | null }>();
  /** The overlay's writes, oldest first, to drop their entries once committed. */
  readonly #overlaid: { seq: number; ids: readonly string[] }[] = [];

  /** Starts the thread on `file`, which openDatabase has opened (and migrated) for writing. */
  constructor(file: string) {
    this.#file = file;
    const { port1, port2 } = new MessageChannel();
    const progress = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    const workerData: WriterData = { file, progress, port: port2 };
    // What the thread holds at once is a few batches: a small young generation keeps the
    // memory it adds small.
    this.#worker = new Worker(THREAD_SCRIPT, { workerData, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    // Never what keeps the process alive: close() drains first, and a process that ends
    // without it loses only what a kill would.
    this.#worker.unref();
    this.#worker.on('error', (error) => (this.#exit ??= error.message));
    this.#worker.on('exit', (code) => (this.#exit ??= `exit code ${code}`));
    this.#port = port1;
    this.#progress = new Int32Array(progress);
  }

  /** Whether the thread takes writes (its connection is open); until then, write on the main connection. */
  get ready(): boolean {
    return Atomics.load(this.#progress, READY) === 1;
  }

  /** Queues confirmed payloads (as JSON); lookups see them at once. */
  record(ids: readonly string[], jsons: readonly string[], at: string): void {
    this.#trim();
    const seq = this.#queue({ kind: 'record', ids, jsons, at });
    ids.forEach((id, index) => this.#overlay.set(id, { seq, json: jsons[index]! }));
    this.#overlaid.push({ seq, ids });
  }

  /** Forgets confirmed payloads; returns once that is committed. */
  forget(ids: readonly string[]): void {
    const seq = this.#queue({ kind: 'forget', ids });
    for (const id of ids) this.#overlay.set(id, { seq, json: null });
    this.#overlaid.push({ seq, ids });
    this.drain();
  }

  /** Queues any other write. */
  write(write: Exclude<Write, { kind: 'record' | 'forget' | 'close' }>): void {
    this.#queue(write);
  }

  /** What writes still queued make of the confirmed payloads of `ids`: JSON, or null when forgotten. */
  queued(ids: readonly string[]): ReadonlyMap<string, string | null> {
    this.#trim();
    const found = new Map<string, string | null>();
    if (this.#overlay.size === 0) return found;
    for (const id of ids) {
      const entry = this.#overlay.get(id);
      if (entry !== undefined) found.set(id, entry.json);
    }
    return found;
  }

  /** Returns once every write asked for is committed; throws the first failure. */
  drain(): void {
    if (this.#queued === 0) return;
    const committed = () => {
      this.#check();
      return Atomics.load(this.#progress, DONE) === this.#queued;
    };
    if (!this.#waitFor(DONE, committed, STALL_LIMIT_MS)) {
      this.#failure = new StateFileError(`cannot write state file ${this.#file}: its writer thread stopped answering`);
      throw this.#failure;
    }
    this.#overlay.clear();
    this.#overlaid.length = 0;
  }

  /**
   * Drains, then ends the thread and its connection: the main connection, closing last,
   * then puts the file back in rollback mode (database.ts). A thread that took no write yet
   * may still be opening its connection; it is let finish, and closed the same way. One
   * that does not start in time is left to end with the process.
   */
  close(): void {
    try {
      if (this.#queued === 0) {
        const started = () => this.ready || this.#exit !== undefined || Atomics.load(this.#progress, FAILED) !== 0;
        if (!this.#waitFor(READY, started, START_LIMIT_MS) || !this.ready) {
          void this.#worker.terminate();
          return;
        }
      }
      this.drain();
      this.#queue({ kind: 'close' });
      this.drain();
    } finally {
      this.#port.close();
    }
  }

  /**
   * Blocks until `done()`, waking whenever the thread changes `slot`; false when the slot
   * has not changed for `limitMs`.
   */
  #waitFor(slot: number, done: () => boolean, limitMs: number): boolean {
    let waited = 0;
    while (!done()) {
      const slice = Math.min(WAIT_SLICE_MS, limitMs - waited);
      if (Atomics.wait(this.#progress, slot, Atomics.load(this.#progress, slot), slice) !== 'timed-out') waited = 0;
      else if ((waited += slice) >= limitMs) return false;
    }
    return true;
  }

  #queue(write: Write): number {
    this.#check();
    this.#queued += 1;
    this.#port.postMessage({ ...write, seq: this.#queued });
    return this.#queued;
  }

  /** Drops the overlay entries of committed writes. */
  #trim(): void {
    const done = Atomics.load(this.#progress, DONE);
    while (this.#overlaid.length > 0 && this.#overlaid[0]!.seq <= done) {
      const { seq, ids } = this.#overlaid.shift()!;
      for (const id of ids) if (this.#overlay.get(id)?.seq === seq) this.#overlay.delete(id);
    }
  }

  /** Throws when a write failed or the thread is gone. */
  #check(): void {
    if (this.#failure) throw this.#failure;
    if (Atomics.load(this.#progress, FAILED) !== 0) {
      const failure = receiveMessageOnPort(this.#port)?.message as WriterFailure | undefined;
      const reason = failure ? `${failure.message}${failure.code ? ` (${failure.code})` : ''}` : 'a write failed';
      this.#failure = new StateFileError(`cannot write state file ${this.#file}: ${reason}`);
      throw this.#failure;
    }
    if (this.#exit !== undefined && Atomics.load(this.#progress, DONE) !== this.#queued) {
      this.#failure = new StateFileError(`cannot write state file ${this.#file}: its writer thread ended (${this.#exit})`);
      throw this.#failure;
    }
  }
}
