/**
 * The inner `<result>` document of a GetFilterContacts answer, read with saxes as it is
 * decoded: each `<contact>` is handed on as soon as it closes, as the attribute list the
 * general reader's wire schema has (contacts-scan.ts's ScannedAttribute), so the same
 * checks and conversion apply (schema.ts). Elements the contract does not name are skipped.
 */
import { SaxesParser } from 'saxes';
import type { ScannedAttribute, ScannedItem } from './contacts-scan.js';
import { UnparseableResponse } from './soap.js';
import type { WholeAnswerEnd } from './whole-answer.js';

export interface ContactsDocumentReader {
  write(text: string): void;
  end(): Extract<WholeAnswerEnd, { kind: 'contacts' | 'error' }>;
}

/**
 * The elements the contract names, as states of a small machine: each open element's state
 * follows from its parent's and its name (no path strings: this runs for every element).
 */
const At = {
  Other: 0,
  Top: 1,
  Result: 2,
  Code: 3,
  ErrorMessage: 4,
  ReturnData: 5,
  Contacts: 6,
  Contact: 7,
  Attribute: 8,
  Name: 9,
  Value: 10,
  Item: 11,
  ItemValue: 12,
  ItemDisplay: 13,
} as const;
type At = (typeof At)[keyof typeof At];

const NEXT: ReadonlyMap<At, ReadonlyMap<string, At>> = new Map<At, ReadonlyMap<string, At>>([
  [At.Top, new Map<string, At>([['result', At.Result]])],
  [At.Result, new Map<string, At>([['code', At.Code], ['errormessage', At.ErrorMessage], ['returndata', At.ReturnData]])],
  [At.ReturnData, new Map<string, At>([['contacts', At.Contacts]])],
  [At.Contacts, new Map<string, At>([['contact', At.Contact]])],
  [At.Contact, new Map<string, At>([['attribute', At.Attribute]])],
  [At.Attribute, new Map<string, At>([['name', At.Name], ['value', At.Value], ['item', At.Item]])],
  [At.Item, new Map<string, At>([['value', At.ItemValue], ['display', At.ItemDisplay]])],
]);

/** Elements whose text is kept. */
const LEAVES: ReadonlySet<At> = new Set<At>([At.Code, At.ErrorMessage, At.Name, At.Value, At.ItemValue, At.ItemDisplay]);

/** Creates the reader; `onContact` receives each contact's attributes in document order. */
export function createContactsDocumentReader(onContact: (attributes: ScannedAttribute[]) => void): ContactsDocumentReader {
  const parser = new SaxesParser({ position: false });
  /** The state of each open element. */
  const path: At[] = [];
  let failure: Error | undefined;
  let text: string | undefined;
  let code: string | undefined;
  let message = '';
  let total: number | undefined;
  let sawContacts = false;
  let closed = false;
  let count = 0;
  let contact: ScannedAttribute[] = [];
  let attribute: { name: string; value?: string; item?: ScannedItem[] } | undefined;
  let item: { value: string; display: string } | undefined;

  parser.on('error', (error) => void (failure ??= error));
  parser.on('doctype', () => void (failure ??= new Error('a document type declaration')));
  parser.on('text', (data) => {
    if (text !== undefined) text += data;
  });
  parser.on('cdata', (data) => {
    if (text !== undefined) text += data;
  });
  parser.on('opentag', (tag) => {
    const parent = path.length === 0 ? At.Top : path[path.length - 1]!;
    const at = NEXT.get(parent)?.get(tag.name) ?? At.Other;
    path.push(at);
    if (parent === At.Top && at !== At.Result) failure ??= new Error(`the root is <${tag.name}>, not <result>`);
    if (at === At.ReturnData) {
      if (code?.trim() !== '1') failure ??= new Error(`returndata after code ${JSON.stringify(code ?? null)} (expected 1)`);
    } else if (at === At.Contacts) {
      sawContacts = true;
      const written = tag.attributes.total as string | undefined;
      if (written !== undefined) {
        if (!/^\s*\d+\s*$/.test(written)) failure ??= new Error('total="…" is not the number of matching contacts');
        total = Number(written);
      }
    } else if (at === At.Contact) {
      contact = [];
    } else if (at === At.Attribute) {
      attribute = { name: '' };
    } else if (at === At.Item) {
      item = { value: '', display: '' };
    }
    text = LEAVES.has(at) ? '' : undefined;
  });
  parser.on('closetag', () => {
    const at = path.pop()!;
    if (LEAVES.has(at)) setLeaf(at, text ?? '');
    text = undefined;
    if (at === At.Item && item && attribute) {
      (attribute.item ??= []).push(item);
      item = undefined;
    } else if (at === At.Attribute && attribute) {
      contact.push(attribute);
      attribute = undefined;
    } else if (at === At.Contact) {
      count += 1;
      onContact(contact);
      contact = [];
    }
    if (path.length === 0) closed = true;
  });

  function setLeaf(at: At, value: string): void {
    if (at === At.Code) code = value;
    else if (at === At.ErrorMessage) message = value;
    else if (at === At.Name && attribute) attribute.name = value;
    else if (at === At.Value && attribute) attribute.value = value;
    else if (at === At.ItemValue && item) item.value = value;
    else if (at === At.ItemDisplay && item) item.display = value;
  }

  function check(): void {
    if (failure) throw new UnparseableResponse(`the result document is not what the contract says (${failure.message.slice(0, 200)})`);
  }

  return {
    write(piece) {
      parser.write(piece);
      check();
    },
    end() {
      parser.close();
      check();
      if (!closed) throw new UnparseableResponse('the result document does not end (truncated)');
      const trimmed = code?.trim();
      if (trimmed === '0') return { kind: 'error', message: message.trim() || 'Connect reported an error without a message' };
      if (trimmed !== '1') throw new UnparseableResponse(`the result has code ${JSON.stringify(trimmed ?? null)} (expected 1 or 0)`);
      if (!sawContacts) throw new UnparseableResponse('the result has code 1 but no <contacts>');
      if (total !== undefined && total !== count) throw new UnparseableResponse(`the answer holds ${count} contacts of a total of ${total}`);
      return { kind: 'contacts', total, count };
    },
  };
}
