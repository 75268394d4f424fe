/**
 * The Connect emulator: connect-api.md over real HTTP on loopback, with its data in
 * memory, faults injected by a seeded generator (so a run can be replayed), and hooks
 * for tests: change contacts (also between two pages of a client), bulk updates, and
 * logs of every request and every UpdateContact.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connectClock, type ConnectClock } from '../../adapters/connect/dates.js';
import type { AttributeValue } from '../../core/types.js';
import type { SandboxContact, SandboxDataset } from '../generate.js';
import { BodyTooLargeError, baseUrl, closeServer, listen, readBody } from '../http-util.js';
import { createRandom } from '../random.js';
import { createConnectMethods, type PageServed, type UpdateApplied } from './methods.js';
import { spoilRecords, type UnreadableKind } from './unreadable.js';
import { faultEnvelope, methodFromSoapAction, parseSoapRequest, resultEnvelope, resultEnvelopeEnds, SoapFault, type FaultCode } from './soap.js';
import { createContactStore } from './store.js';

export const CONNECT_PATH = '/ws/bridge.asmx';
const BODY_LIMIT = 1024 * 1024;

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

/** Starts the emulator on a loopback port. */
export async function startConnectEmulator(options: ConnectEmulatorOptions): Promise<ConnectEmulator> {
  const { dataset } = options;
  const clock = connectClock(options.timeZone ?? dataset.timeZone ?? 'America/New_York');
  const now = options.now ?? (() => new Date());
  const store = createContactStore(dataset.contacts, dataset.filters.map((filter) => filter.id));
  const methods = createConnectMethods({ clientName: options.clientName, passKey: options.passKey, dataset, store, clock, now });
  const knobs: ConnectKnobs = { latencyMs: 0, failure503Share: 0, faultShare: 0, truncatedShare: 0, retryAfterSeconds: undefined, faultMethods: undefined, unreadableRecords: {}, ...options.knobs };
  let random = createRandom(options.seed ?? 1);
  const requestLog: ConnectRequestRecord[] = [];
  const updates: UpdateApplied[] = [];
  const hooks = new Set<BetweenPagesHook>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: ConnectRequestRecord = { at: now(), method: methodFromSoapAction(header(req, 'soapaction')), outcome: 'ok', status: 200 };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== CONNECT_PATH || req.method !== 'POST') {
      req.resume();
      const found = path === CONNECT_PATH;
      requestLog.push({ ...record, outcome: found ? 'method-not-allowed' : 'not-found', status: found ? 405 : 404 });
      sendHtml(res, found ? 405 : 404, found ? 'Method Not Allowed' : 'Not Found', found ? { allow: 'POST' } : {});
      return;
    }
    requestLog.push(record);
    let body: string;
    try {
      body = await readBody(req, BODY_LIMIT);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) return; // the client went away
      sendFault(res, record, 'soap:Client', 'Request too large');
      return;
    }
    const drawn = random.next();
    const faulty = knobs.faultMethods === undefined || (record.method !== undefined && knobs.faultMethods.includes(record.method));
    const roll = faulty ? drawn : Infinity;
    if (knobs.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.latencyMs));
    if (roll < knobs.failure503Share) {
      Object.assign(record, { outcome: 'overloaded', status: 503 });
      const retryAfter: Record<string, string> = knobs.retryAfterSeconds === undefined ? {} : { 'retry-after': String(knobs.retryAfterSeconds) };
      sendHtml(res, 503, 'Service Unavailable', retryAfter);
      return;
    }
    if (roll < knobs.failure503Share + knobs.faultShare) {
      sendFault(res, record, 'soap:Server', 'Server was unable to process request. ---> Transaction was deadlocked; rerun the transaction.');
      return;
    }
    const truncate = roll < knobs.failure503Share + knobs.faultShare + knobs.truncatedShare;
    try {
      if (!/^text\/xml\b/i.test(header(req, 'content-type') ?? '')) throw new SoapFault('soap:Client', 'Content-Type must be text/xml');
      const request = parseSoapRequest(body, header(req, 'soapaction'), methods.names);
      record.method = request.method;
      describeParams(record, request.params);
      const result = methods.call(request);
      if (result.error !== undefined) Object.assign(record, { outcome: 'application-error', error: result.error });
      if (result.update) updates.push(result.update);
      if (result.page) for (const hook of [...hooks]) await hook(result.page);
      if (truncate) Object.assign(record, { outcome: 'truncated' });
      // A page is already bytes: sent between the envelope's ends, without a copy, and
      // its buffer used again once the answer has left.
      const chunks = result.bytes ? [...resultEnvelopeEnds(request.method)] : [Buffer.from(resultEnvelope(request.method, result.document), 'utf8')];
      if (result.bytes) chunks.splice(1, 0, spoiled(result.bytes));
      if (result.release) res.once('finish', result.release);
      if (truncate) {
        const whole = Buffer.concat(chunks);
        sendXml(res, 200, [whole.subarray(0, Math.floor(whole.length / 2))]);
      } else {
        sendXml(res, 200, chunks);
      }
    } catch (error) {
      if (error instanceof SoapFault) sendFault(res, record, error.faultCode, error.message);
      else sendFault(res, record, 'soap:Server', `Server was unable to process request. ---> ${(error as Error).message}`);
    }
  }

  /** A page's bytes, with the records the knob names spoiled (a copy; the page's own buffer is released as usual). */
  function spoiled(page: Buffer): Buffer {
    if (Object.keys(knobs.unreadableRecords).length === 0) return page;
    return Buffer.from(spoilRecords(page.toString('utf8'), knobs.unreadableRecords), 'utf8');
  }

  function change(ids: readonly string[], changes: Readonly<Record<string, AttributeValue>>, at: Date): SandboxContact[] {
    return methods.change(ids.map(contactNumber), changes, at);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `${baseUrl(host, port)}${CONNECT_PATH}`,
    knobs,
    clock,
    requestLog,
    updates,
    getContact: (id) => store.get(Number(id)),
    modifyContacts: (ids, changes, at) => change(ids, changes, at ?? now()),
    bulkUpdate: (ids, at, changes = {}) => change(ids, changes, at),
    onBetweenPages(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    reseed(seed) {
      random = createRandom(seed);
    },
    close: () => closeServer(server),
  };
}

function contactNumber(id: string): number {
  if (!/^\d+$/.test(id)) throw new Error(`not a contact id: ${id}`);
  return Number(id);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Fills the log's GetFilterContacts / UpdateContact fields from raw parameters, leniently. */
function describeParams(record: ConnectRequestRecord, params: ReadonlyMap<string, string>): void {
  if (record.method === 'GetFilterContacts') {
    const filterId = /<id>\s*(\d+)\s*<\/id>/.exec(params.get('FilterIdsXml') ?? '')?.[1];
    const number = (name: string) => (/^\s*\d+\s*$/.test(params.get(name) ?? '') ? Number(params.get(name)) : undefined);
    Object.assign(record, {
      filterId: filterId === undefined ? undefined : Number(filterId),
      modifiedSince: params.get('ModifiedSince'),
      startingRecord: number('StartingRecord'),
      endingRecord: number('EndingRecord'),
    });
  } else if (record.method === 'UpdateContact') {
    record.contactId = params.get('ContactId');
  }
}

/** Sends XML bytes, in one or more chunks (a page goes between the envelope's ends). */
function sendXml(res: ServerResponse, status: number, chunks: readonly Buffer[]): void {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', 'content-length': length });
  // Corked: the head, the chunks and the end leave in one write.
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
  res.uncork();
}

function sendFault(res: ServerResponse, record: ConnectRequestRecord, code: FaultCode, message: string): void {
  Object.assign(record, { outcome: code === 'soap:Client' ? 'client-fault' : 'server-fault', status: 500, error: message });
  sendXml(res, 500, [Buffer.from(faultEnvelope(code, message), 'utf8')]);
}

/** The HTML pages IIS answers with outside SOAP (405, 404, 503). */
function sendHtml(res: ServerResponse, status: number, title: string, headers: Record<string, string>): void {
  const body = Buffer.from(`<!DOCTYPE html><html><head><title>${status} ${title}</title></head><body><h1>${title}</h1></body></html>`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...headers });
  res.end(body);
}
