/**
 * What the Cadence emulator holds in memory: contacts by `uniqueCampusId`, import batches
 * and the queue that applies them one at a time in submission order, and the optouts feed.
 * Per contact the work is O(1), so a million contacts go through in seconds.
 */
import { randomUUID } from 'node:crypto';
import type { ContactResult, OptOutChange } from '../../core/types.js';
import { checkContact, upsertContact } from './contact-rules.js';
import type { FaultInjector } from './faults.js';
import type { ImportContact } from './import-request.js';
import type { BatchInfo, BatchStatus, CadenceKnobs, CadenceStats, HeldContact, SeedContact } from './model.js';
import { createOptOutFeed, type OptOutFeed } from './optout-feed.js';

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

export interface CadenceStore {
  readonly contacts: Map<string, HeldContact>;
  readonly feed: OptOutFeed;
  readonly stats: CadenceStats;
  submit(contacts: ImportContact[]): Batch;
  getBatch(id: string): Batch | undefined;
  batches(): BatchInfo[];
  putContact(contact: SeedContact): void;
  /** Sets a contact's opt-out outside imports (keyword, staff) and records it in the feed. */
  recordOptOut(uniqueCampusId: string, optedOut: boolean, source: 'keyword' | 'staff', at: Date): OptOutChange;
  whenIdle(): Promise<void>;
  /** Stops processing; batches still queued stay queued. */
  stop(): void;
}

export interface StoreOptions {
  userIds: ReadonlySet<string>;
  knobs: Readonly<CadenceKnobs>;
  faults: FaultInjector;
}

/** Creates an empty store whose queue starts working as soon as a batch is submitted. */
export function createCadenceStore(options: StoreOptions): CadenceStore {
  const { userIds, knobs, faults } = options;
  const contacts = new Map<string, HeldContact>();
  const feed = createOptOutFeed();
  const batchesById = new Map<string, Batch>();
  const submitted: Batch[] = [];
  const queue: Batch[] = [];
  const stats: CadenceStats = { batches: 0, contactsReceived: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, failedBatches: 0 };
  let idleWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function applyContact(sent: ImportContact, at: Date): ContactResult {
    const check = checkContact(sent, userIds);
    const uniqueCampusId = sent.uniqueCampusId ?? '';
    if (!check.ok) {
      stats.rejected++;
      return { uniqueCampusId, outcome: 'rejected', errorCode: check.errorCode, message: check.message };
    }
    const upsert = upsertContact(contacts.get(uniqueCampusId), check.contact);
    stats[upsert.outcome]++;
    if (upsert.outcome !== 'unchanged') contacts.set(uniqueCampusId, upsert.contact);
    if (upsert.optedOutChanged) {
      const { mobileNumber, optedOut } = upsert.contact;
      feed.record({ uniqueCampusId, mobileNumber, optedOut, source: 'import' }, at);
    }
    return { uniqueCampusId, outcome: upsert.outcome };
  }

  function apply(batch: Batch): void {
    if (faults.batchFails()) {
      batch.status = 'failed';
      stats.failedBatches++;
    } else {
      const at = new Date();
      batch.results = (batch.pending ?? []).map((contact) => applyContact(contact, at));
      batch.status = 'completed';
    }
    batch.pending = undefined;
  }

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

  return {
    contacts,
    feed,
    stats,
    submit(sent) {
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
      stats.batches++;
      stats.contactsReceived += sent.length;
      pump();
      return batch;
    },
    getBatch(id) {
      return batchesById.get(id);
    },
    batches() {
      return submitted.map((batch) => ({
        batchIdentifier: batch.id,
        status: batch.status,
        submittedAt: new Date(batch.submittedAt).toISOString(),
        count: batch.contactIds.length,
        contactIds: [...batch.contactIds],
        ...(batch.results ? { results: batch.results.map((result) => ({ ...result })) } : {}),
      }));
    },
    putContact(seed) {
      contacts.set(seed.uniqueCampusId, {
        ...seed,
        staffId: seed.staffId ?? '',
        optedOut: seed.optedOut ?? false,
        customFields: { ...(seed.customFields ?? {}) },
        writes: 0,
      });
    },
    recordOptOut(uniqueCampusId, optedOut, source, at) {
      const held = contacts.get(uniqueCampusId);
      if (!held) throw new Error(`Cadence holds no contact '${uniqueCampusId}'`);
      contacts.set(uniqueCampusId, { ...held, optedOut });
      return feed.record({ uniqueCampusId, mobileNumber: held.mobileNumber, optedOut, source }, at);
    },
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
