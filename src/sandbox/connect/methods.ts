/**
 * The Connect methods of connect-api.md over the sandbox's data, with no HTTP in sight:
 * each takes the request's parameters and returns the inner `<result>` document, or an
 * application error with the contract's exact message.
 */
import type { ConnectClock } from './dates.js';
import type { AttributeValue, ListItem } from '../../core/types.js';
import type { SandboxContact, SandboxDataset } from '../generate.js';
import { createContactsPageWriter } from './contacts-page.js';
import type { ConnectProfile } from './wsdl.js';
import { errorDocument, successDocument, type SoapRequest } from './soap.js';
import type { ContactStore } from './store.js';
import { childOf, childrenOf, escapeXml, parseXml, XmlSyntaxError, type XmlElement } from './xml.js';

export const MAX_RANGE = 500;

/** Always returned by GetFilterContacts, never written by UpdateContact. */
const SYSTEM_ATTRIBUTES = new Set(['contactid', 'modifieddate']);

/** An answer with `<code>0</code>`: the message reaches the user as is. */
export class ApplicationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApplicationError';
  }
}

export interface PageServed {
  filterId: number;
  modifiedSince: string | undefined;
  startingRecord: number;
  endingRecord: number;
  returned: number;
  total: number;
}

export interface UpdateApplied {
  contactId: string;
  attributes: Record<string, AttributeValue>;
  sourceCode: string;
  at: Date;
}

export interface MethodResult {
  /** The inner document for `<Method>Result`. */
  document: string;
  /**
   * `document` is already escaped as the text of `<Method>Result`, and holds its UTF-8
   * bytes one per character (pages: `bytes` decoded as Latin-1, only when read).
   */
  escapedBytes?: boolean;
  /** A page's escaped document as the bytes to send (it is built so, see contacts-page.ts). */
  bytes?: Buffer;
  /**
   * A whole-filter answer's escaped document, piece by piece as it is written (public
   * profile): never built in one piece, as a large filter would take hundreds of megabytes.
   */
  pieces?: () => Generator<Buffer>;
  /** Gives `bytes` back to be used again, once sent; neither `bytes` nor `document` may be read after. */
  release?: () => void;
  /** The application error's message, when the call failed. */
  error?: string;
  page?: PageServed;
  update?: UpdateApplied;
}

export interface ConnectMethodsOptions {
  clientName: string;
  passKey: string;
  dataset: SandboxDataset;
  store: ContactStore;
  clock: ConnectClock;
  now: () => Date;
  /** `public`: GetFilterContacts ignores the paging parameters and answers the whole filter, unsorted. */
  profile?: ConnectProfile;
}

export interface ConnectMethods {
  readonly names: ReadonlySet<string>;
  call(request: SoapRequest): MethodResult;
  /** Validates and applies attribute changes to contacts, all at one instant (whole seconds). */
  change(ids: readonly number[], changes: Readonly<Record<string, AttributeValue>>, at: Date): SandboxContact[];
}

/** Binds the methods to one data set and one pair of credentials. */
export function createConnectMethods(options: ConnectMethodsOptions): ConnectMethods {
  const { dataset, store, clock } = options;
  const attributes = new Map(dataset.attributes.map((attribute) => [attribute.name, attribute]));
  const sourceCodes = new Set(dataset.sourceCodes.map((source) => source.code));
  const pages = createContactsPageWriter(clock);

  // A client sends the same inner documents page after page: each is read once.
  const filterIdsRead = memoized((text: string | undefined) => singleFilterId(readInner(text, 'FilterIdsXml', 'filterids')));
  const attributesRead = memoized((text: string | undefined) => requestedAttributes(readInner(text, 'AttributesXml', 'attributes')));

  function getFilterContacts(params: ReadonlyMap<string, string>): MethodResult {
    const filterId = filterIdsRead(params.get('FilterIdsXml'));
    if (!store.hasFilter(filterId)) throw new ApplicationError(`Unknown filter: ${filterId}`);
    const names = attributesRead(params.get('AttributesXml'));
    if (options.profile === 'public') return wholeFilter(filterId, names);
    const modifiedSince = params.get('ModifiedSince');
    let since: number | undefined;
    if (modifiedSince !== undefined && modifiedSince.trim() !== '') {
      since = clock.parse(modifiedSince)?.getTime();
      if (since === undefined) throw new ApplicationError(`Invalid ModifiedSince: ${modifiedSince}`);
    }
    const start = recordNumber(params, 'StartingRecord');
    const end = recordNumber(params, 'EndingRecord');
    if (end < start) throw new ApplicationError(`Invalid record range: ${start} to ${end}`);
    if (end - start + 1 > MAX_RANGE) throw new ApplicationError('Record range too large');
    const { total, contacts } = store.page(filterId, since, start, end);
    const bytes = pages.write(total, contacts, names);
    return {
      get document() {
        return bytes.toString('latin1');
      },
      escapedBytes: true,
      bytes,
      release: () => pages.release(bytes),
      page: { filterId, modifiedSince, startingRecord: start, endingRecord: end, returned: contacts.length, total },
    };
  }

  /** What an instance without the paging parameters answers: every contact of the filter, in no useful order. */
  function wholeFilter(filterId: number, names: readonly string[]): MethodResult {
    const { total, contacts } = store.page(filterId, undefined, 1, Number.MAX_SAFE_INTEGER);
    const shuffled = [...contacts].sort((a, b) => scramble(a.id) - scramble(b.id) || a.id - b.id);
    return {
      get document() {
        return Buffer.concat([...pages.writeWhole(total, shuffled, names)]).toString('latin1');
      },
      escapedBytes: true,
      pieces: () => pages.writeWhole(total, shuffled, names),
      page: { filterId, modifiedSince: undefined, startingRecord: 1, endingRecord: total, returned: total, total },
    };
  }

  function requestedAttributes(root: XmlElement): string[] {
    const names: string[] = [];
    for (const attribute of childrenOf(root, 'attribute')) {
      const name = (childOf(attribute, 'name')?.text ?? '').trim();
      if (!attributes.has(name)) throw new ApplicationError(`Unknown attribute: ${name}`);
      if (!SYSTEM_ATTRIBUTES.has(name) && !names.includes(name)) names.push(name);
    }
    return names;
  }

  function updateContact(params: ReadonlyMap<string, string>): MethodResult {
    const rawId = (params.get('ContactId') ?? '').trim();
    const contact = /^\d+$/.test(rawId) ? store.get(Number(rawId)) : undefined;
    if (contact === undefined) throw new ApplicationError(`Unknown contact: ${rawId}`);
    const changes = writtenValues(readInner(params.get('AttributesXml'), 'AttributesXml', 'attributes'));
    const sourceCode = params.get('SourceCode') ?? '';
    if (!sourceCodes.has(sourceCode)) throw new ApplicationError(`Unknown source code: ${sourceCode}`);
    const [updated] = change([contact.id], changes, options.now());
    const at = new Date(updated!.modifiedAt);
    return {
      document: successDocument(`<contact><id>${contact.id}</id><modifieddate>${clock.format(at)}</modifieddate></contact>`),
      update: { contactId: String(contact.id), attributes: changes, sourceCode, at },
    };
  }

  function writtenValues(root: XmlElement): Record<string, AttributeValue> {
    const changes: Record<string, AttributeValue> = {};
    const elements = childrenOf(root, 'attribute');
    if (elements.length === 0) throw new ApplicationError('AttributesXml names no attribute');
    for (const element of elements) {
      const name = (childOf(element, 'name')?.text ?? '').trim();
      const attribute = attributes.get(name);
      if (attribute === undefined) throw new ApplicationError(`Unknown attribute: ${name}`);
      if (SYSTEM_ATTRIBUTES.has(name)) throw new ApplicationError(`Attribute cannot be written: ${name}`);
      changes[name] = attribute.type === 'list' ? listValue(name, element) : (childOf(element, 'value')?.text ?? '');
    }
    return changes;
  }

  /** A list attribute is written as stored codes: `<value>` or `<item><value>` children. */
  function listValue(name: string, element: XmlElement): ListItem[] {
    const options = dataset.listOptions[name] ?? [];
    const codes = [...childrenOf(element, 'value'), ...childrenOf(element, 'item').map((item) => childOf(item, 'value'))]
      .map((value) => value?.text.trim() ?? '')
      .filter((code) => code !== '');
    return [...new Set(codes)].map((code) => {
      const option = options.find((item) => item.value === code);
      if (option === undefined) throw new ApplicationError(`Unknown value for ${name}: ${code}`);
      return option;
    });
  }

  function change(ids: readonly number[], changes: Readonly<Record<string, AttributeValue>>, at: Date): SandboxContact[] {
    for (const name of Object.keys(changes)) {
      if (!attributes.has(name) || SYSTEM_ATTRIBUTES.has(name)) throw new Error(`not a writable attribute: ${name}`);
    }
    const modifiedAt = Math.floor(at.getTime() / 1000) * 1000;
    const updated = [...new Set(ids)].map((id) => {
      const contact = store.get(id);
      if (contact === undefined) throw new Error(`unknown contact: ${id}`);
      return { id, modifiedAt, filterIds: contact.filterIds, values: { ...contact.values, ...changes } };
    });
    store.replace(updated);
    return updated;
  }

  const catalog: Record<string, () => string> = {
    GetAllAttributes: () =>
      `<attributes>${dataset.attributes
        .map((a) => `<attribute><name>${escapeXml(a.name)}</name><mappingname>${escapeXml(a.mappingName)}</mappingname><type>${a.type}</type></attribute>`)
        .join('')}</attributes>`,
    GetAllFilters: () =>
      `<filters>${dataset.filters.map((f) => `<filter><id>${f.id}</id><name>${escapeXml(f.name)}</name></filter>`).join('')}</filters>`,
    GetSourceCodes: () =>
      `<sourcecodes>${dataset.sourceCodes
        .map((s) => `<sourcecode><code>${escapeXml(s.code)}</code><description>${escapeXml(s.description)}</description></sourcecode>`)
        .join('')}</sourcecodes>`,
  };
  const handlers: Record<string, (params: ReadonlyMap<string, string>) => MethodResult> = {
    ...Object.fromEntries(Object.entries(catalog).map(([name, list]) => [name, () => ({ document: successDocument(list()) })])),
    GetFilterContacts: getFilterContacts,
    UpdateContact: updateContact,
  };

  function call(request: SoapRequest): MethodResult {
    const handler = handlers[request.method];
    if (handler === undefined) throw new Error(`no handler for ${request.method}`);
    try {
      if (request.params.get('ClientName') !== options.clientName || request.params.get('PassKey') !== options.passKey) {
        throw new ApplicationError(options.profile === 'public' ? 'Passkey is invalid' : 'Invalid ClientName or PassKey');
      }
      return handler(request.params);
    } catch (error) {
      if (error instanceof ApplicationError) return { document: errorDocument(error.message), error: error.message };
      throw error;
    }
  }

  return { names: new Set(Object.keys(handlers)), call, change };
}

/** A fixed, deterministic mixing of contact ids: an order unrelated to dates or ids. */
function scramble(id: number): number {
  return Math.imul(id ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
}

/** Parses an `*Xml` parameter's inner document and checks its root element. */
function readInner(text: string | undefined, name: string, root: string): XmlElement {
  if (text === undefined || text.trim() === '') throw new ApplicationError(`Missing ${name}`);
  let document: XmlElement;
  try {
    document = parseXml(text);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new ApplicationError(`Invalid ${name}: ${error.message}`);
    throw error;
  }
  if (document.local !== root) throw new ApplicationError(`Invalid ${name}: expected <${root}>`);
  return document;
}

/** Remembers what `read` made of the last few parameter texts; what it throws is not remembered. */
function memoized<T>(read: (text: string | undefined) => T): (text: string | undefined) => T {
  const seen = new Map<string, T>();
  return (text) => {
    if (text === undefined) return read(text);
    let value = seen.get(text);
    if (value === undefined) {
      value = read(text);
      if (seen.size >= 64) seen.clear();
      seen.set(text, value);
    }
    return value;
  };
}

function singleFilterId(root: XmlElement): number {
  const ids = childrenOf(root, 'id').map((id) => id.text.trim());
  if (ids.length !== 1) throw new ApplicationError('FilterIdsXml must name exactly one filter');
  const id = ids[0]!;
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))) throw new ApplicationError(`Unknown filter: ${id}`);
  return Number(id);
}

function recordNumber(params: ReadonlyMap<string, string>, name: string): number {
  const text = (params.get(name) ?? '').trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new ApplicationError(`Invalid ${name}: ${text}`);
  return value;
}
