/**
 * Reads a whole-filter GetFilterContacts answer as its text arrives, holding one contact
 * at a time: a filter of a million contacts is hundreds of megabytes of XML.
 *
 * Two documents are nested: the SOAP envelope, whose `<GetFilterContactsResult>` holds the
 * `<result>` document as escaped text (or CDATA). A SAX parser keeps an element's text
 * whole until the element ends, so the envelope's parser (saxes) is given the envelope
 * around that text, and the text itself goes through a small streaming decoder (references,
 * CDATA sections, line ends) straight into the inner document's parser (saxes again),
 * piece by piece. Everything that is not the plain shape (a fault, an HTML page, a 200 that
 * is no result at all) is met before the result element starts and is handed back whole,
 * for the general reader to say what it is.
 */
import { SaxesParser } from 'saxes';
import type { ScannedAttribute } from './contacts-scan.js';
import { UnparseableResponse } from './soap.js';
import { createEscapedTextDecoder, type EscapedTextDecoder } from './escaped-text.js';
import { createContactsDocumentReader, type ContactsDocumentReader } from './contacts-document.js';

/** The envelope before the result element is small; anything longer is not the answer asked for. */
const PREFIX_LIMIT = 1 << 20;
const SUFFIX_LIMIT = 1 << 16;
const RESULT_OPEN = /<([A-Za-z_][\w.-]*:)?GetFilterContactsResult(?:[ \t\r\n][^>]*)?>/;
const ENVELOPE_PATH = ['Envelope', 'Body', 'GetFilterContactsResponse', 'GetFilterContactsResult'];

export type WholeAnswerEnd =
  | { kind: 'contacts'; total: number | undefined; count: number }
  | { kind: 'error'; message: string }
  /** No result element: the whole (small) text, for the general reader. */
  | { kind: 'other'; text: string };

export interface WholeAnswerReader {
  /** Takes the next piece of decoded text. Throws UnparseableResponse. */
  write(text: string): void;
  /** The body ended. Throws UnparseableResponse when it ended too early. */
  end(): WholeAnswerEnd;
}

/** A reader that hands each contact (its attributes, as the wire has them) to `onContact`. */
export function createWholeAnswerReader(onContact: (attributes: ScannedAttribute[]) => void): WholeAnswerReader {
  let phase: 'prefix' | 'content' | 'suffix' = 'prefix';
  let prefix = '';
  let suffix = '';
  let decoder: EscapedTextDecoder | undefined;
  let inner: ContactsDocumentReader | undefined;
  const outer = envelopeParser();

  function write(text: string): void {
    if (phase === 'prefix') {
      prefix += text;
      const open = RESULT_OPEN.exec(prefix);
      if (!open) {
        if (prefix.length > PREFIX_LIMIT) throw new UnparseableResponse('the answer has no GetFilterContactsResult where one was expected');
        return;
      }
      const startEnd = open.index + open[0].length;
      outer.write(prefix.slice(0, startEnd));
      outer.expectResultOpen();
      const rest = prefix.slice(startEnd);
      prefix = '';
      phase = 'content';
      inner = createContactsDocumentReader(onContact);
      decoder = createEscapedTextDecoder((piece) => inner!.write(piece));
      text = rest;
    }
    if (phase === 'content') {
      const after = decoder!.write(text);
      if (after === undefined) return;
      phase = 'suffix';
      text = after;
    }
    suffix += text;
    if (suffix.length > SUFFIX_LIMIT) throw new UnparseableResponse('the answer goes on after its GetFilterContactsResult');
  }

  function end(): WholeAnswerEnd {
    if (phase === 'prefix') return { kind: 'other', text: prefix };
    if (phase === 'content') throw new UnparseableResponse('the answer ends inside GetFilterContactsResult (truncated)');
    const outcome = inner!.end();
    outer.write(suffix);
    outer.close();
    return outcome;
  }

  return { write, end };
}

/** The envelope's parser: checks well-formedness and the path to the result element. */
function envelopeParser(): { write(text: string): void; expectResultOpen(): void; close(): void } {
  const parser = new SaxesParser({ position: false });
  const path: string[] = [];
  let failure: Error | undefined;
  let closedRoot = false;
  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('doctype', () => {
    failure ??= new Error('a document type declaration');
  });
  parser.on('opentag', (tag) => {
    path.push(localName(tag.name));
  });
  parser.on('closetag', () => {
    path.pop();
    if (path.length === 0) closedRoot = true;
  });
  const check = () => {
    if (failure) throw new UnparseableResponse(`the SOAP envelope is not well-formed XML (${failure.message.slice(0, 200)})`);
  };
  return {
    write(text) {
      if (text.length > 0) parser.write(text);
      check();
    },
    expectResultOpen() {
      if (path.join('/') !== ENVELOPE_PATH.join('/')) {
        throw new UnparseableResponse(`GetFilterContactsResult is not where a SOAP answer has it (at ${path.join('/') || 'the top'})`);
      }
    },
    close() {
      parser.close();
      check();
      if (!closedRoot) throw new UnparseableResponse('the SOAP envelope does not end (truncated)');
    },
  };
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
