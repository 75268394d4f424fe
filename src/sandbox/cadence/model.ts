/**
 * The Cadence emulator's data: its knobs, what it holds, and the handle tests get back.
 * The wire shapes themselves are the core's (`src/core/types.ts`), as cadence-api.md fixes them.
 */
import type { CadenceField, CadenceUser, ContactResult, OptOutChange } from '../../core/types.js';

/** Test knobs. All of them may be changed at runtime through `emulator.knobs`. */
import type { WebhookDelivery } from './webhooks.js';

export interface CadenceKnobs {
  /** Milliseconds added to every request before it is answered. */
  latencyMs: number;
  /** Share (0..1) of authenticated requests answered 429 with `Retry-After`. */
  failure429Share: number;
  /** `Retry-After` (seconds) on the 429s of `failure429Share`; 0 is allowed. */
  retryAfterSeconds: number;
  /** Share (0..1) of authenticated requests answered 500, 502 or 503. */
  failure5xxShare: number;
  /** Share (0..1) of batches that end `failed` (nothing applied) instead of `completed`. */
  batchFailedShare: number;
  /** Requests a second per API key before 429 (cadence-api.md: 10); 0 = no limit. */
  rateLimitPerSecond: number;
  /** How long after submission a batch is applied (it is `processing` for the second half). */
  batchDelayMs: number;
  /** Seed of the random faults: the same seed gives the same sequence of faults. */
  seed: number;
  /** Where each keyword or staff opt-out change is POSTed as a webhook (retried on non-2xx); none when empty. */
  webhookUrl: string;
}

export const DEFAULT_CADENCE_KNOBS: Readonly<CadenceKnobs> = {
  latencyMs: 0,
  failure429Share: 0,
  retryAfterSeconds: 1,
  failure5xxShare: 0,
  batchFailedShare: 0,
  rateLimitPerSecond: 10,
  batchDelayMs: 50,
  seed: 1,
  webhookUrl: '',
};

export interface CadenceEmulatorOptions extends Partial<CadenceKnobs> {
  deptCode: string;
  apiKey: string;
  apiSecret: string;
  users: readonly CadenceUser[];
  fields: readonly CadenceField[];
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A contact as Cadence holds it. */
export interface HeldContact {
  uniqueCampusId: string;
  firstName: string;
  lastName: string;
  /** Normalised to 10 digits. */
  mobileNumber: string;
  /** `""` = assigned to no user. */
  staffId: string;
  optedOut: boolean;
  /** Only fields with a value; an import sending `""` removes the key. */
  customFields: Record<string, string>;
  /** How many times an import created or changed it (`unchanged` does not count). */
  writes: number;
}

/** A contact put straight into Cadence's store (as if it had been there before the test). */
export type SeedContact = Omit<HeldContact, 'writes' | 'staffId' | 'optedOut' | 'customFields'> &
  Partial<Pick<HeldContact, 'staffId' | 'optedOut' | 'customFields'>>;

export type BatchStatus = 'queued' | 'processing' | 'completed' | 'failed';

/** A submitted import batch, as tests see it. */
export interface BatchInfo {
  batchIdentifier: string;
  status: BatchStatus;
  /** ISO 8601 UTC. */
  submittedAt: string;
  count: number;
  /** The `uniqueCampusId` of each contact sent, in order (`""` where it was missing). */
  contactIds: string[];
  /** Present once `completed`. */
  results?: ContactResult[];
}

/** One answered request. The Authorization header is never recorded. */
export interface RequestLogEntry {
  method: string;
  /** Path and query string. */
  path: string;
  status: number;
  /** When the request arrived, ISO 8601 UTC. */
  at: string;
}

/** Totals since the emulator started. */
export interface CadenceStats {
  /** Batches accepted (202). */
  batches: number;
  /** Contacts in accepted batches. */
  contactsReceived: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Batches that ended `failed`. */
  failedBatches: number;
}

/** A running emulator: its address, its knobs, and read access for tests. */
export interface CadenceEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Mutable: changes take effect on the next request or batch. */
  readonly knobs: CadenceKnobs;
  readonly requestLog: RequestLogEntry[];
  getContact(uniqueCampusId: string): HeldContact | undefined;
  allContacts(): HeldContact[];
  contactCount(): number;
  /** Adds or replaces a contact without an import (no feed entry, `writes` 0). */
  putContact(contact: SeedContact): void;
  batches(): BatchInfo[];
  stats(): CadenceStats;
  /** The whole optouts feed, oldest first. */
  optOutChanges(): OptOutChange[];
  /** The contact texted STOP (opted out) or START (opted in): a `keyword` entry in the feed. Throws for an unknown contact. */
  recordKeyword(uniqueCampusId: string, keyword: 'STOP' | 'START', at?: Date): OptOutChange;
  /** A Cadence user changed the contact's opt-out: a `staff` entry in the feed. Throws for an unknown contact. */
  recordStaffChange(uniqueCampusId: string, optedOut: boolean, at?: Date): OptOutChange;
  /** Resolves once every batch submitted so far is `completed` or `failed`. */
  whenIdle(): Promise<void>;
  /**
   * Calls `hook` with each batch as it is queued, before its answer leaves: a test acts on
   * an import at that exact point (kills it with its batch accepted but unanswered). Returns the remover.
   */
  onBatchSubmitted(hook: (batch: Pick<BatchInfo, 'batchIdentifier' | 'contactIds'>) => void): () => void;
  /** Every opt-out webhook sent (to `knobs.webhookUrl`), oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves once every webhook started so far was delivered or given up. */
  whenWebhooksDelivered(): Promise<void>;
  /** The opt-out history export (CSV text) of every keyword and staff change so far. */
  optOutHistoryCsv(): string;
  close(): Promise<void>;
}
