/**
 * The shapes of Connect's `<returndata>` documents (connect-api.md "Methods"), as zod
 * schemas over fast-xml-parser's output, and their conversion to the domain types.
 * Parsed text is still XML-escaped (entity processing is off, see soap.ts): the `Text`
 * schema decodes each leaf exactly once.
 */
import { z } from 'zod';
import type { AttributeValue, ConnectAttribute, ConnectContact, ConnectFilter, ConnectSourceCode, ListItem } from '../../core/types.js';
import type { ConnectClock } from './dates.js';
import type { ScannedContacts } from './contacts-scan.js';
import { leafText } from './soap.js';

/** An answer that is well-formed but breaks the contract (a contact without a contactid…). Never retried. */
export class MalformedResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResponse';
  }
}

/** A text leaf, decoded. */
const Text = z.unknown().transform((node, ctx) => {
  let text: string | undefined;
  try {
    text = leafText(node);
  } catch (error) {
    ctx.issues.push({ code: 'custom', message: (error as Error).message, input: node });
    return z.NEVER;
  }
  if (text === undefined) {
    ctx.issues.push({ code: 'custom', message: 'expected text', input: node });
    return z.NEVER;
  }
  return text;
});

/** An element holding child elements; with whitespace kept, an empty one parses as a string. */
function element<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess((node) => (typeof node === 'string' && node.trim() === '' ? {} : node), z.object(shape));
}

const PositiveInteger = Text.pipe(z.string().trim().regex(/^0*[1-9]\d*$/, 'expected a positive integer'));

export const AttributesReturnData = element({
  attributes: element({
    attribute: z
      .array(element({ name: Text.pipe(z.string().trim().min(1)), mappingname: Text, type: Text.pipe(z.enum(['text', 'number', 'date', 'list'])) }))
      .default([]),
  }),
});

export const FiltersReturnData = element({
  filters: element({
    filter: z.array(element({ id: PositiveInteger, name: Text })).default([]),
  }),
});

export const SourceCodesReturnData = element({
  sourcecodes: element({
    sourcecode: z.array(element({ code: Text, description: Text })).default([]),
  }),
});

/**
 * The text of one value, which a character reference XML forbids (`&#1;`) makes
 * unreadable: that record is then unreadable, not the whole answer (product.md §8).
 */
export class UnreadableText {
  constructor(readonly reason: string) {}
}

/** A value's text, decoded; an UnreadableText when its decoding fails. Not text at all (markup) is still a contract breach. */
const ValueText = z.unknown().transform((node, ctx) => {
  let text: string | undefined;
  try {
    text = leafText(node);
  } catch (error) {
    return new UnreadableText((error as Error).message);
  }
  if (text === undefined) {
    ctx.issues.push({ code: 'custom', message: 'expected text', input: node });
    return z.NEVER;
  }
  return text;
});

const WireItem = element({ value: ValueText, display: ValueText });
const WireAttribute = element({
  name: Text,
  value: ValueText.optional(),
  item: z.array(WireItem).optional(),
});
const WireContactSchema = element({ attribute: z.array(WireAttribute).default([]) });

export const ContactsReturnData = element({
  contacts: element({
    '@_total': z
      .string({ error: 'expected a total="…" attribute' })
      .regex(/^\s*\d+\s*$/, 'expected total="…" to be the number of matching contacts'),
    contact: z.array(WireContactSchema).default([]),
  }),
});

export const UpdateReturnData = element({
  contact: z.array(element({ id: PositiveInteger, modifieddate: Text })).length(1, 'expected one <contact>'),
});

/** Validates `returndata` against a schema; failures name the element path. */
export function readReturnData<Schema extends z.ZodType>(schema: Schema, returndata: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(returndata);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  throw new MalformedResponse(`${what}: ${path ? `${path.slice(1)}: ` : ''}${issue.message}`);
}

/** GetAllAttributes' answer as domain attributes. */
export function toAttributes(returndata: unknown): ConnectAttribute[] {
  const data = readReturnData(AttributesReturnData, returndata, 'GetAllAttributes');
  return data.attributes.attribute.map((attribute) => ({ name: attribute.name, mappingName: attribute.mappingname, type: attribute.type }));
}

/** GetAllFilters' answer as domain filters. */
export function toFilters(returndata: unknown): ConnectFilter[] {
  const data = readReturnData(FiltersReturnData, returndata, 'GetAllFilters');
  return data.filters.filter.map((filter) => ({ id: Number(filter.id), name: filter.name }));
}

/** GetSourceCodes' answer as domain source codes. */
export function toSourceCodes(returndata: unknown): ConnectSourceCode[] {
  const data = readReturnData(SourceCodesReturnData, returndata, 'GetSourceCodes');
  return data.sourcecodes.sourcecode.map((entry) => ({ code: entry.code, description: entry.description }));
}

/** UpdateContact's answer: the contact's new modifieddate, as UTC ISO. */
export function toUpdateResult(returndata: unknown, contactId: string, clock: ConnectClock): { modifiedAt: string } {
  const contact = readReturnData(UpdateReturnData, returndata, 'UpdateContact').contact[0]!;
  if (contact.id.replace(/^0+/, '') !== contactId.replace(/^0+/, '')) {
    throw new MalformedResponse(`UpdateContact answered for contact ${contact.id}, not ${contactId}`);
  }
  const modified = clock.parse(contact.modifieddate);
  if (!modified) throw new MalformedResponse(`UpdateContact: modifieddate ${JSON.stringify(contact.modifieddate)} is not a Connect date`);
  return { modifiedAt: modified.toISOString() };
}

/**
 * One contact of a GetFilterContacts answer as read from the wire: the key paging needs,
 * its place in Connect's order, and its attributes, which toContact checks and converts
 * (see client.ts: the next page is asked for in between). A record that cannot be read
 * (product.md §8) keeps its key as read ('' when missing) and says why in `unreadable`.
 */
export interface WireContact {
  contactId: string;
  /** modifieddate as Connect wrote it (trimmed); toContact checks it is a date. */
  modifiedLocal: string;
  /** Its record number in Connect's order, for errors. */
  position: number;
  attributes: readonly WireAttribute[];
  unreadable?: string;
}

export interface WirePage {
  total: number;
  contacts: WireContact[];
}

/**
 * GetFilterContacts' answer, read by the general reader, as wire contacts. `firstPosition`
 * (the StartingRecord asked for) lets errors name a contact's position in Connect's order.
 */
export function toWirePage(returndata: unknown, firstPosition: number): WirePage {
  let data: z.output<typeof ContactsReturnData>;
  try {
    data = readReturnData(ContactsReturnData, returndata, 'GetFilterContacts');
  } catch (error) {
    // Name the record rather than the array index: "contacts.contact[17]…" → "record 517".
    const match = /^GetFilterContacts: contacts\.contact\[(\d+)\]\.?(.*)$/s.exec((error as Error).message);
    if (match) {
      const rest = match[2]!.startsWith(':') ? match[2]!.slice(1).trimStart() : match[2]!;
      throw new MalformedResponse(`GetFilterContacts: record ${firstPosition + Number(match[1])}: ${rest}`);
    }
    throw error;
  }
  const contacts = data.contacts.contact.map((contact, index) => toWireContact(contact.attribute, firstPosition + index));
  return { total: Number(data.contacts['@_total']), contacts };
}

/** A page the fast reader read (contacts-scan.ts), as wire contacts: the same as toWirePage gives. */
export function wirePageFromScan(scanned: ScannedContacts, firstPosition: number): WirePage {
  const contacts = scanned.contacts.map((attributes, index) => toWireContact(attributes, firstPosition + index));
  return { total: Number(scanned.total), contacts };
}

type WireAttribute = z.output<typeof WireAttribute>;

/** Finds a contact's key: a contactid that is a positive integer, and a modifieddate; else says why it is unreadable. */
function toWireContact(attributes: readonly WireAttribute[], position: number): WireContact {
  let contactId: string | UnreadableText | undefined;
  let modifiedLocal: string | UnreadableText | undefined;
  // The first of each counts here; toContact refuses an attribute given twice.
  for (const attribute of attributes) {
    const name = attribute.name.trim();
    if (name === 'contactid') contactId ??= trimmed(attribute.value);
    else if (name === 'modifieddate') modifiedLocal ??= trimmed(attribute.value);
  }
  const id = typeof contactId === 'string' ? contactId : '';
  const local = typeof modifiedLocal === 'string' ? modifiedLocal : '';
  const wire: WireContact = { contactId: id, modifiedLocal: local, position, attributes };
  // Beyond 2^53 two ids would be one number, and the run keys contacts by number.
  if (typeof contactId !== 'string' || !/^0*[1-9]\d*$/.test(contactId) || !Number.isSafeInteger(Number(contactId))) {
    const shown = contactId === undefined ? 'missing' : contactId instanceof UnreadableText ? `unreadable (${contactId.reason})` : JSON.stringify(contactId);
    wire.unreadable = `${where(position, undefined)}: contactid is ${shown}, expected a positive integer below 2^53`;
  } else if (typeof modifiedLocal !== 'string') {
    const shown = modifiedLocal === undefined ? 'missing' : `unreadable (${modifiedLocal.reason})`;
    wire.unreadable = `${where(position, contactId)}: modifieddate is ${shown}, expected a Connect date`;
  }
  return wire;
}

function trimmed(value: string | UnreadableText | undefined): string | UnreadableText | undefined {
  return typeof value === 'string' ? value.trim() : value;
}

/**
 * A wire contact as a domain contact, with the checks its key did not need. A record that
 * cannot be read is a contact with `unreadable` set, holding the values that could be read.
 */
export function toContact(wire: WireContact, clock: ConnectClock): ConnectContact {
  const { contactId, modifiedLocal, position } = wire;
  const attributes: Record<string, AttributeValue> = {};
  let unreadable = wire.unreadable;
  // A contact has a dozen attributes: a list is cheaper than a Set, and this runs per contact.
  const names: string[] = [];
  for (const attribute of wire.attributes) {
    const name = attribute.name.trim();
    if (names.includes(name)) throw new MalformedResponse(`${where(position, contactId)}: attribute ${name} appears twice`);
    names.push(name);
    if (attribute.value !== undefined && attribute.item !== undefined) {
      throw new MalformedResponse(`${where(position, contactId)}: attribute ${name} has both <value> and <item>`);
    }
    if (name === 'contactid' || name === 'modifieddate') continue;
    const value = attributeValue(attribute);
    if (value instanceof UnreadableText) unreadable ??= `${where(position, contactId)}: attribute ${name}: ${value.reason}`;
    else attributes[name] = value;
  }
  if (unreadable !== undefined) return { contactId, modifiedLocal, modifiedAt: '', attributes, unreadable };
  const modified = clock.parse(modifiedLocal);
  if (!modified) {
    return { contactId, modifiedLocal, modifiedAt: '', attributes, unreadable: `${where(position, contactId)}: modifieddate is ${JSON.stringify(modifiedLocal)}, expected a Connect date` };
  }
  return { contactId, modifiedLocal, modifiedAt: modified.toISOString(), attributes };
}

/** An attribute's value: its text, or its items (none: a list attribute with nothing selected). */
function attributeValue(attribute: WireAttribute): AttributeValue | UnreadableText {
  if (attribute.value !== undefined) return attribute.value;
  const items: ListItem[] = [];
  for (const item of attribute.item ?? []) {
    if (item.value instanceof UnreadableText) return item.value;
    if (item.display instanceof UnreadableText) return item.display;
    items.push({ value: item.value, display: item.display });
  }
  return items;
}

/** Names a record in an error: its position in Connect's order, and its contactid once known. */
function where(position: number, contactId: string | undefined): string {
  return `GetFilterContacts: record ${position}${contactId === undefined ? '' : ` (contactid ${contactId})`}`;
}
