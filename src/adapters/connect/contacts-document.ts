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

/** Where a text belongs: the leaves the contract names, by their path below `<result>`. */
type Leaf = 'code' | 'errormessage' | 'name' | 'value' | 'item-value' | 'item-display';

const LEAVES: Readonly<Record<string, Leaf>> = {
  'result/code': 'code',
  'result/errormessage': 'errormessage',
  'result/returndata/contacts/contact/attribute/name': 'name',
  'result/returndata/contacts/contact/attribute/value': 'value',
  'result/returndata/contacts/contact/attribute/item/value': 'item-value',
  'result/returndata/contacts/contact/attribute/item/display': 'item-display',
};

/** Creates the reader; `onContact` receives each contact's attributes in document order. */
export function createContactsDocumentReader(onContact: (attributes: ScannedAttribute[]) => void): ContactsDocumentReader {
  const parser = new SaxesParser({ position: false });
  /** The full path of each open element. */
  const path: string[] = [];
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
    // Each open element's full path, built once: this runs for every element of the answer.
    const at = path.length === 0 ? tag.name : `${path[path.length - 1]}/${tag.name}`;
    path.push(at);
    if (path.length === 1 && tag.name !== 'result') failure ??= new Error(`the root is <${tag.name}>, not <result>`);
    if (at === 'result/returndata') {
      if (code?.trim() !== '1') failure ??= new Error(`returndata after code ${JSON.stringify(code ?? null)} (expected 1)`);
    } else if (at === 'result/returndata/contacts') {
      sawContacts = true;
      const written = tag.attributes.total as string | undefined;
      if (written !== undefined) {
        if (!/^\s*\d+\s*$/.test(written)) failure ??= new Error('total="…" is not the number of matching contacts');
        total = Number(written);
      }
    } else if (at === 'result/returndata/contacts/contact') {
      contact = [];
    } else if (at === 'result/returndata/contacts/contact/attribute') {
      attribute = { name: '' };
    } else if (at === 'result/returndata/contacts/contact/attribute/item') {
      item = { value: '', display: '' };
    }
    text = LEAVES[at] === undefined ? undefined : '';
  });
  parser.on('closetag', () => {
    const at = path[path.length - 1] ?? '';
    const leaf = LEAVES[at];
    if (leaf !== undefined) setLeaf(leaf, text ?? '');
    text = undefined;
    if (at === 'result/returndata/contacts/contact/attribute/item' && item && attribute) {
      (attribute.item ??= []).push(item);
      item = undefined;
    } else if (at === 'result/returndata/contacts/contact/attribute' && attribute) {
      contact.push(attribute);
      attribute = undefined;
    } else if (at === 'result/returndata/contacts/contact') {
      count += 1;
      onContact(contact);
      contact = [];
    }
    path.pop();
    if (path.length === 0) closed = true;
  });

  function setLeaf(leaf: Leaf, value: string): void {
    if (leaf === 'code') code = value;
    else if (leaf === 'errormessage') message = value;
    else if (leaf === 'name' && attribute) attribute.name = value;
    else if (leaf === 'value' && attribute) attribute.value = value;
    else if (leaf === 'item-value' && item) item.value = value;
    else if (leaf === 'item-display' && item) item.display = value;
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
