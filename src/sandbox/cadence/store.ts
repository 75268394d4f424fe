/**
 * What the Cadence emulator holds in memory: contacts by `uniqueCampusId`, import batches
 * and the queue that applies them one at a time in submission order, and the optouts feed.
 * Per contact the work is O(1), so a million contacts go through in seconds.
 */
import type { ContactResult, OptOutChange } from '../../core/types.js';
import { checkContact, upsertContact } from './contact-rules.js';
import type { FaultInjector } from './faults.js';
import type { ImportContact } from './import-request.js';
import { createBatchQueue, type Batch } from './batch-queue.js';
import type { BatchInfo, CadenceKnobs, CadenceStats, HeldContact, SeedContact } from './model.js';
import { createOptOutFeed, type OptOutFeed } from './optout-feed.js';

export type { Batch } from './batch-queue.js';

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
  const stats: CadenceStats = { batches: 0, contactsReceived: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, failedBatches: 0 };

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

  const queue = createBatchQueue(knobs, apply);

  return {
    contacts,
    feed,
    stats,
    submit(sent) {
      stats.batches++;
      stats.contactsReceived += sent.length;
      return queue.submit(sent);
    },
    getBatch: (id) => queue.get(id),
    batches: () => queue.list(),
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
    whenIdle: () => queue.whenIdle(),
    stop: () => queue.stop(),
  };
}
