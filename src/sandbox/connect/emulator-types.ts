/**
 * What the Connect emulator offers a test: its knobs, its options, the log of what it was
 * asked, and the handle a started emulator returns (server.ts).
 */
import type { AttributeValue } from '../../core/types.js';
import type { SandboxContact, SandboxDataset } from '../generate.js';
import type { ConnectClock } from './dates.js';
import type { PageServed, UpdateApplied } from './methods.js';
import type { UnreadableKind } from './unreadable.js';
import type { ConnectProfile, WsdlServed } from './wsdl.js';

/**
 * Test knobs; read on every request, so they may change at any time. Every POST to the
 * endpoint draws one number from the seeded generator, whatever the knobs say, so the same
 * seed and the same requests give the same faults. The shares are taken in this order
 * (503, fault, truncated) out of one draw; their sum should not exceed 1.
 */
export interface ConnectKnobs {
  /** Added before every answer to a POST. */
  latencyMs: number;
  /** Share (0..1) of POSTs answered 503 without being processed. */
  failure503Share: number;
  /** Share of POSTs answered HTTP 500 with a `soap:Server` fault, without being processed. */
  faultShare: number;
  /** Share of POSTs processed (an UpdateContact takes effect) but answered 200 with the body cut in half. */
  truncatedShare: number;
  /** `Retry-After` (seconds) sent with a 503; none when undefined. */
  retryAfterSeconds: number | undefined;
  /**
   * When set, the three shares above apply only to POSTs for these methods (by SOAPAction),
   * so a test can make UpdateContact fail while GetFilterContacts works. The number is
   * drawn all the same.
   */
  faultMethods: readonly string[] | undefined;
  /** Contacts served as records that cannot be read (product.md §8), by contact id. */
  unreadableRecords: Readonly<Record<string, UnreadableKind>>;
}

export interface ConnectEmulatorOptions {
  clientName: string;
  passKey: string;
  dataset: SandboxDataset;
  /** The instance's zone; default the data set's (America/New_York unless generated otherwise). */
  timeZone?: string;
  /** The clock for UpdateContact and for test changes without a date; default the system clock. */
  now?: () => Date;
  /** Seeds the fault generator (default 1). */
  seed?: number;
  knobs?: Partial<ConnectKnobs>;
  /**
   * `paged` (default): the contract with the three paging parameters. `public`: an instance
   * as public evidence shows one: a WSDL without them, GetFilterContacts ignoring them and
   * answering the whole filter unsorted, dates without seconds, `Passkey is invalid`.
   */
  profile?: ConnectProfile;
  /** What `GET ?WSDL` answers (default `served`): the other two stand for instances whose WSDL cannot be read. */
  wsdl?: WsdlServed;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export type ConnectCallOutcome =
  | 'ok'
  | 'application-error'
  | 'client-fault'
  | 'server-fault'
  | 'overloaded'
  | 'truncated'
  | 'method-not-allowed'
  | 'not-found';

/** One request as the emulator saw it. Never holds the PassKey. */
export interface ConnectRequestRecord {
  at: Date;
  /** From the body when it could be read, else from SOAPAction. */
  method: string | undefined;
  outcome: ConnectCallOutcome;
  status: number;
  /** The application error's message or the fault string. */
  error?: string;
  /** GetFilterContacts parameters, as far as they could be read. */
  filterId?: number;
  modifiedSince?: string;
  startingRecord?: number;
  endingRecord?: number;
  /** UpdateContact's ContactId. */
  contactId?: string;
}

/**
 * Called after a GetFilterContacts page is produced (code 1, truncated ones included) and
 * awaited before it is sent, so a change made here is seen by the client's next call.
 * A hook that throws turns that answer into a `soap:Server` fault.
 */
export type BetweenPagesHook = (call: PageServed) => void | Promise<void>;

export interface ConnectEmulator {
  /** The endpoint, e.g. `http://127.0.0.1:41234/ws/bridge.asmx`. */
  readonly url: string;
  readonly knobs: ConnectKnobs;
  readonly clock: ConnectClock;
  readonly profile: ConnectProfile;
  readonly requestLog: ConnectRequestRecord[];
  /** Every UpdateContact that took effect, oldest first. */
  readonly updates: UpdateApplied[];
  getContact(id: string | number): SandboxContact | undefined;
  /**
   * Sets values on contacts and moves their modifieddate to `at` (default `now()`), to the
   * second. Throws on an unknown contact or attribute (and on contactid / modifieddate).
   */
  modifyContacts(ids: readonly string[], changes: Readonly<Record<string, AttributeValue>>, at?: Date): SandboxContact[];
  /** Gives many contacts the same modifieddate (and optionally values), as a bulk update does. */
  bulkUpdate(ids: readonly string[], at: Date, changes?: Readonly<Record<string, AttributeValue>>): SandboxContact[];
  /** Registers a hook, called for every page served until the returned function removes it. */
  onBetweenPages(hook: BetweenPagesHook): () => void;
  /** Restarts the fault generator from a seed. */
  reseed(seed: number): void;
  close(): Promise<void>;
}
