/**
 * The Cadence emulator's import queue: batches applied one at a time in submission order,
 * each `queued`, then `processing` after half of knobs.batchDelayMs, then applied once the
 * delay is over; one batch a turn, so requests are served between batches.
 */
import { randomUUID } from 'node:crypto';
import type { ContactResult } from '../../core/types.js';
import type { ImportContact } from './import-request.js';
import type { BatchInfo, BatchStatus, CadenceKnobs } from './model.js';

export interface Batch {
  id: string;
  status: BatchStatus;
  submittedAt: number;
  /** When it turns `processing`, then when it is applied (epoch ms). */
  startAt: number;
  dueAt: number;
  contactIds: string[];
  /** The contacts as sent; dropped once applied. */
  pending: ImportContact[] | undefined;
  results: ContactResult[] | undefined;
}

export interface BatchQueue {
  submit(contacts: ImportContact[]): Batch;
  get(id: string): Batch | undefined;
  list(): BatchInfo[];
  whenIdle(): Promise<void>;
  /** Stops processing; batches still queued stay queued. */
  stop(): void;
}

/** Creates an empty queue; `apply` settles a batch once it is due (sets its status and results). */
export function createBatchQueue(knobs: Readonly<CadenceKnobs>, apply: (batch: Batch) => void): BatchQueue {
  const batchesById = new Map<string, Batch>();
  const submitted: Batch[] = [];
  const queue: Batch[] = [];
  let idleWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      timer = undefined;
      pump();
    }, Math.max(0, delayMs));
  }

  /** Moves the head of the queue one step; one batch a turn so requests are served between batches. */
  function pump(): void {
    if (timer !== undefined || stopped) return;
    const batch = queue[0];
    if (batch === undefined) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    const now = Date.now();
    if (batch.status === 'queued') {
      if (now < batch.startAt) return schedule(batch.startAt - now);
      batch.status = 'processing';
    }
    if (now < batch.dueAt) return schedule(batch.dueAt - now);
    apply(batch);
    queue.shift();
    schedule(0);
  }

  function submit(sent: ImportContact[]): Batch {
    const now = Date.now();
    const delay = Math.max(0, knobs.batchDelayMs);
    const batch: Batch = {
      id: `b-${randomUUID()}`,
      status: 'queued',
      submittedAt: now,
      startAt: now + Math.floor(delay / 2),
      dueAt: now + delay,
      contactIds: sent.map((contact) => contact.uniqueCampusId ?? ''),
      pending: sent,
      results: undefined,
    };
    batchesById.set(batch.id, batch);
    submitted.push(batch);
    queue.push(batch);
    pump();
    return batch;
  }

  return {
    submit,
    get: (id) => batchesById.get(id),
    list: () => submitted.map(batchInfo),
    whenIdle() {
      if (queue.length === 0) return Promise.resolve();
      if (stopped) return Promise.reject(new Error('the Cadence emulator is closed'));
      return new Promise((resolve, reject) => idleWaiters.push({ resolve, reject }));
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const waiter of waiters) waiter.reject(new Error('the Cadence emulator closed before its batches were processed'));
    },
  };
}

/** A batch as the test hooks list it (copies: the caller may keep them). */
function batchInfo(batch: Batch): BatchInfo {
  return {
    batchIdentifier: batch.id,
    status: batch.status,
    submittedAt: new Date(batch.submittedAt).toISOString(),
    count: batch.contactIds.length,
    contactIds: [...batch.contactIds],
    ...(batch.results ? { results: batch.results.map((result) => ({ ...result })) } : {}),
  };
}
