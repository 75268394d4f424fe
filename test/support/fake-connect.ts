/**
 * A minimal Connect for adapter tests: an ordered contact list with GetFilterContacts'
 * ModifiedSince / StartingRecord / EndingRecord semantics (connect-api.md), answered as
 * hand-written SOAP. Tests change contacts between pages through `beforePage`, and queue
 * canned answers (faults, 503s, truncated bodies) in `nextAnswers`.
 */
import type { ServerResponse } from 'node:http';
import { connectClock, type ConnectClock } from '../../src/adapters/connect/dates.js';
import type { ListItem } from '../../src/core/types.js';
import { startServer, type CannedResponse, type Handler, type RecordedRequest, type TestServer } from './http-server.js';

export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const CONNECT_NS = 'http://connect2.askadmissions.net/webservices/';

export interface FakeContact {
  id: number;
  /** Whole seconds. */
  modified: Date;
  attributes?: Record<string, string | ListItem[]>;
}

export interface PageCall {
  index: number;
  modifiedSince: string;
  start: number;
  end: number;
}

export interface FakeConnect {
  clock: ConnectClock;
  contacts: FakeContact[];
  /** Every call received: method and decoded parameters. */
  calls: { method: string; params: Record<string, string> }[];
  /** Runs before each GetFilterContacts is answered. */
  beforePage?: (call: PageCall) => void;
  /** Answers given instead of the real one, first in first out. */
  nextAnswers: (CannedResponse | ((request: RecordedRequest, res: ServerResponse) => CannedResponse | undefined))[];
  /** Gives a contact a new modifieddate (it moves to the end of the order). */
  modify(id: number, at: Date): void;
  /** GetFilterContacts' selection: contacts at or after ModifiedSince, in order, records start..end; undefined for a bad date. */
  query(modifiedSince: string, start: number, end: number): { total: number; rows: FakeContact[] } | undefined;
  handle: Handler;
  start(): Promise<TestServer>;
}

export interface FakeConnectOptions {
  zone?: string;
  clientName?: string;
  passKey?: string;
  filterId?: number;
  contacts?: FakeContact[];
  attributeNames?: string[];
  now?: () => Date;
}

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function unescapeXml(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&#13;', '\r').replaceAll('&amp;', '&');
}

/** A 200 SOAP answer whose Result holds `inner` escaped. */
export function soapResult(method: string, inner: string): CannedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body:
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body>` +
      `<${method}Response xmlns="${CONNECT_NS}"><${method}Result>${escapeXml(inner)}</${method}Result></${method}Response>` +
      '</soap:Body></soap:Envelope>',
  };
}

/** A 500 SOAP fault. */
export function soapFault(code: string, message: string, headers: Record<string, string> = {}): CannedResponse {
  return {
    status: 500,
    headers: { 'content-type': 'text/xml; charset=utf-8', ...headers },
    body:
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><soap:Fault>` +
      `<faultcode>${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
  };
}

/** An application error answer. */
export function appError(method: string, message: string): CannedResponse {
  return soapResult(method, `<result><code>0</code><errormessage>${escapeXml(message)}</errormessage></result>`);
}

/** Reads a request envelope the way a SOAP server would (enough for our own client). */
export function parseRequest(body: string): { method: string; params: Record<string, string> } {
  const match = /<soap:Body><(\w+) xmlns="([^"]*)">([\s\S]*)<\/\1><\/soap:Body>/.exec(body);
  if (!match || match[2] !== CONNECT_NS) throw new Error('not a Connect SOAP request');
  const params: Record<string, string> = {};
  for (const param of match[3]!.matchAll(/<(\w+)>([\s\S]*?)<\/\1>/g)) params[param[1]!] = unescapeXml(param[2]!);
  return { method: match[1]!, params };
}

export function createFakeConnect(options: FakeConnectOptions = {}): FakeConnect {
  const clock = connectClock(options.zone ?? 'America/New_York');
  const filterId = options.filterId ?? 70542;
  const known = new Set(options.attributeNames ?? ['firstname', 'lastname', 'mobilephone', 'sms_status', 'program_interest']);
  let pageCalls = 0;

  const fake: FakeConnect = {
    clock,
    contacts: options.contacts ?? [],
    calls: [],
    nextAnswers: [],
    modify(id, at) {
      const contact = fake.contacts.find((each) => each.id === id);
      if (!contact) throw new Error(`no contact ${id}`);
      contact.modified = at;
    },
    query(modifiedSince, start, end) {
      const since = modifiedSince === '' ? Number.NEGATIVE_INFINITY : clock.parse(modifiedSince)?.getTime();
      if (since === undefined) return undefined;
      const matching = fake.contacts
        .filter((contact) => contact.modified.getTime() >= since)
        .sort((a, b) => a.modified.getTime() - b.modified.getTime() || a.id - b.id);
      return { total: matching.length, rows: matching.slice(start - 1, end) };
    },
    handle(request, res) {
      const canned = fake.nextAnswers.shift();
      if (canned) return typeof canned === 'function' ? canned(request, res) : canned;
      const { method, params } = parseRequest(request.body);
      fake.calls.push({ method, params });
      if (params.ClientName !== (options.clientName ?? 'astronomer') || params.PassKey !== (options.passKey ?? 's3cret')) {
        return appError(method, 'Invalid ClientName or PassKey');
      }
      if (method === 'GetFilterContacts') return filterContacts(params);
      if (method === 'UpdateContact') return updateContact(params);
      return soapFault('soap:Client', `Unknown method ${method}`);
    },
    start: () => startServer(fake.handle),
  };

  function filterContacts(params: Record<string, string>): CannedResponse {
    const ids = [...(params.FilterIdsXml ?? '').matchAll(/<id>(\d+)<\/id>/g)].map((match) => Number(match[1]));
    if (ids.length !== 1 || ids[0] !== filterId) return appError('GetFilterContacts', `Unknown filter: ${ids.join(',')}`);
    const names = [...(params.AttributesXml ?? '').matchAll(/<name>([^<]*)<\/name>/g)].map((match) => unescapeXml(match[1]!));
    const unknown = names.find((name) => !known.has(name));
    if (unknown !== undefined) return appError('GetFilterContacts', `Unknown attribute: ${unknown}`);
    const start = Number(params.StartingRecord);
    const end = Number(params.EndingRecord);
    if (end - start + 1 > 500) return appError('GetFilterContacts', 'Record range too large');
    const modifiedSince = params.ModifiedSince ?? '';
    fake.beforePage?.({ index: pageCalls++, modifiedSince, start, end });
    const selection = fake.query(modifiedSince, start, end);
    if (!selection) return appError('GetFilterContacts', `Invalid date: ${modifiedSince}`);
    const rows = selection.rows.map((contact) => contactXml(contact, names));
    return soapResult('GetFilterContacts', `<result><code>1</code><returndata><contacts total="${selection.total}">${rows.join('')}</contacts></returndata></result>`);
  }

  function contactXml(contact: FakeContact, names: readonly string[]): string {
    const attribute = (name: string, body: string) => `<attribute><name>${name}</name>${body}</attribute>`;
    const parts = [attribute('contactid', `<value>${contact.id}</value>`), attribute('modifieddate', `<value>${clock.format(contact.modified)}</value>`)];
    for (const name of names) {
      const value = contact.attributes?.[name];
      if (value === undefined) continue;
      parts.push(
        attribute(
          name,
          typeof value === 'string'
            ? `<value>${escapeXml(value)}</value>`
            : value.map((item) => `<item><value>${escapeXml(item.value)}</value><display>${escapeXml(item.display)}</display></item>`).join(''),
        ),
      );
    }
    return `<contact>${parts.join('')}</contact>`;
  }

  function updateContact(params: Record<string, string>): CannedResponse {
    const contact = fake.contacts.find((each) => String(each.id) === params.ContactId);
    if (!contact) return appError('UpdateContact', `Unknown contact: ${params.ContactId}`);
    for (const match of (params.AttributesXml ?? '').matchAll(/<attribute><name>([^<]*)<\/name><value>([^<]*)<\/value><\/attribute>/g)) {
      contact.attributes = { ...contact.attributes, [unescapeXml(match[1]!)]: unescapeXml(match[2]!) };
    }
    contact.modified = options.now?.() ?? new Date(Math.floor(Date.now() / 1000) * 1000);
    return soapResult(
      'UpdateContact',
      `<result><code>1</code><returndata><contact><id>${contact.id}</id><modifieddate>${clock.format(contact.modified)}</modifieddate></contact></returndata></result>`,
    );
  }

  return fake;
}
