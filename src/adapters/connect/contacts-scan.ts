/**
 * A fast reader for the one answer that is both large and frequent: a GetFilterContacts
 * page (hundreds of kilobytes, thousands of times per import). The general reader
 * (soap.ts + schema.ts) parses the envelope, decodes the escaped inner document, checks it
 * is well-formed, parses it again into objects and validates them with zod; that costs far
 * more than the HTTP call. This reader matches the escaped text once, in place, with a few
 * anchored regular expressions (the engine is much faster than a scan written in JS).
 *
 * It accepts only the plain shape Connect writes, without whitespace between elements:
 *
 *   <?xml …?><soap:Envelope …><soap:Body><GetFilterContactsResponse …><GetFilterContactsResult>
 *     &lt;result&gt;&lt;code&gt;1&lt;/code&gt;&lt;returndata&gt;&lt;contacts total="N"&gt;
 *       (&lt;contact&gt; (&lt;attribute&gt;&lt;name&gt;…&lt;/name&gt;
 *          (&lt;value&gt;…&lt;/value&gt; | &lt;value/&gt; | (&lt;item&gt;&lt;value&gt;…&lt;/value&gt;&lt;display&gt;…&lt;/display&gt;&lt;/item&gt;)*)
 *        &lt;/attribute&gt;)* &lt;/contact&gt;)*
 *     &lt;/contacts&gt;&lt;/returndata&gt;&lt;/result&gt;
 *   </GetFilterContactsResult></GetFilterContactsResponse></soap:Body></soap:Envelope>
 *
 * (the inner `>` and quotes escaped, or not, throughout), and answers `undefined` for
 * anything else: CDATA, character references at the envelope level, carriage returns,
 * comments, whitespace, other elements, an application error, a fault, a truncated body…
 * The caller then reads the answer with the general reader, which also reports what is
 * wrong with it. Text is decoded with the general reader's own decoder, twice (envelope,
 * then inner document), so whatever this reader accepts reads exactly as the general
 * reader reads it; a text the decoder refuses also goes to the general reader.
 *
 * The body may be given as latin1 (one character per byte, as the HTTP layer can read
 * it): every character the patterns look for is ASCII, and UTF-8 never uses an ASCII byte
 * inside a multi-byte character, so the patterns match the same places; each text that
 * holds other bytes is then decoded as UTF-8 on its own, which gives what decoding the
 * whole body gives (its bounds are ASCII characters).
 */
import { decodeEntities } from './soap.js';

export interface ScannedItem {
  value: string;
  display: string;
}

/** One `<attribute>` as the general reader's wire schema has it. */
export interface ScannedAttribute {
  name: string;
  value?: string;
  item?: ScannedItem[];
}

/** A GetFilterContacts page read by the fast reader: `total` as written, contacts as wire attributes. */
export class ScannedContacts {
  constructor(
    readonly total: string,
    readonly contacts: ScannedAttribute[][],
  ) {}
}

const NAME = '[A-Za-z_][\\w.-]*';
const SPACE = '[ \\t\\n]';
const XML_ATTRIBUTES = `(?:${SPACE}+${NAME}(?::${NAME})?${SPACE}*=${SPACE}*(?:"[^"<&]*"|'[^'<&]*'))*${SPACE}*`;
const PREFIX = new RegExp(
  `^(?:<\\?xml${XML_ATTRIBUTES}\\?>)?<(${NAME}:)?Envelope${XML_ATTRIBUTES}><(${NAME}:)?Body${XML_ATTRIBUTES}>` +
    `<(${NAME}:)?GetFilterContactsResponse${XML_ATTRIBUTES}><(${NAME}:)?GetFilterContactsResult>`,
);

/**
 * Text of the inner document at the envelope level: no markup (`<`, `&lt;`), no character
 * reference (`&#`) and no carriage return (XML would normalise it). Other `&…;` are
 * decoded (and bare `&` refused) by decodeEntities.
 */
const TEXT = '[^&<\\r]*(?:&(?!lt;|#)[^&<\\r]*)*';

interface Patterns {
  head: RegExp;
  token: RegExp;
  item: RegExp;
  tail: string;
}

/** The sticky patterns for one way of writing the inner `>` at the envelope level. */
function patterns(gt: string): Patterns {
  const tag = (name: string) => `&lt;${name}${gt}`;
  const leaf = (name: string, capture: boolean) =>
    `(?:${tag(name)}(${capture ? '' : '?:'}${TEXT})${tag(`/${name}`)}|${tag(`${name}/`)})`;
  const item = `${tag('item')}${leaf('value', false)}${leaf('display', false)}${tag('/item')}`;
  return {
    head: new RegExp(`${tag('result')}${tag('code')}1${tag('/code')}${tag('returndata')}&lt;contacts total=(&quot;|"|&apos;|')(\\d+)\\1${gt}`, 'y'),
    // One token: a contact opening or closing, a whole attribute, or the end of the contacts.
    token: new RegExp(
      `(${tag('contact')})|(${tag('/contact')})|(${tag('/contacts')})|` +
        `${tag('attribute')}${tag('name')}(${TEXT})${tag('/name')}(?:${leaf('value', true)}|((?:${item})*))${tag('/attribute')}`,
      'y',
    ),
    item: new RegExp(`${tag('item')}${leaf('value', true)}${leaf('display', true)}${tag('/item')}`, 'y'),
    tail: `${tag('/returndata')}${tag('/result')}`,
  };
}

const ESCAPED_GT = patterns('&gt;');
const LITERAL_GT = patterns('>');

/**
 * Reads a 200 answer to GetFilterContacts in the plain shape; undefined when it is not in
 * it. `latin1`: the body holds the answer's bytes, one character each.
 */
export function scanContactsAnswer(body: string, options: { latin1?: boolean } = {}): ScannedContacts | undefined {
  const prefix = PREFIX.exec(body);
  if (!prefix) return undefined;
  const [, envelope = '', soapBody = '', response = '', result = ''] = prefix;
  const suffix = `</${result}GetFilterContactsResult></${response}GetFilterContactsResponse></${soapBody}Body></${envelope}Envelope>`;
  let last = body.length;
  while (last > 0 && (body.charCodeAt(last - 1) === 10 || body.charCodeAt(last - 1) === 32)) last--;
  const start = prefix[0].length;
  const end = last - suffix.length;
  if (end < start || !body.startsWith(suffix, end)) return undefined;
  const gt = body.startsWith('&lt;result&gt;', start) ? ESCAPED_GT : body.startsWith('&lt;result>', start) ? LITERAL_GT : undefined;
  if (gt === undefined) return undefined;
  try {
    return scanDocument(body, start, end, gt, options.latin1 === true ? fromLatin1 : same);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

/** Thrown inside the scan when the text leaves the plain shape. */
const NOT_PLAIN = new Error('not the plain shape');

type Decode = (raw: string) => string;

function scanDocument(body: string, start: number, end: number, { head, token, item, tail }: Patterns, decode: Decode): ScannedContacts {
  const text = (raw: string) => {
    const decoded = decodeText(decode(raw));
    return decoded === raw ? detached(raw) : decoded;
  };
  head.lastIndex = start;
  const opened = head.exec(body);
  if (!opened) throw NOT_PLAIN;
  const total = opened[2]!;
  const contacts: ScannedAttribute[][] = [];
  let contact: ScannedAttribute[] | undefined;
  token.lastIndex = head.lastIndex;
  for (;;) {
    const match = token.exec(body);
    if (!match) throw NOT_PLAIN;
    if (match[4] !== undefined) {
      if (!contact) throw NOT_PLAIN;
      const attribute: ScannedAttribute = { name: text(match[4]) };
      if (match[5] !== undefined) attribute.value = text(match[5]);
      else if (match[6] === undefined) attribute.value = ''; // <value/>
      else if (match[6] !== '') attribute.item = items(match[6], item, text);
      contact.push(attribute);
    } else if (match[1] !== undefined) {
      if (contact) throw NOT_PLAIN;
      contact = [];
    } else if (match[2] !== undefined) {
      if (!contact) throw NOT_PLAIN;
      contacts.push(contact);
      contact = undefined;
    } else {
      if (contact) throw NOT_PLAIN;
      break;
    }
  }
  if (token.lastIndex + tail.length !== end || !body.startsWith(tail, token.lastIndex)) throw NOT_PLAIN;
  return new ScannedContacts(total, contacts);
}

function items(run: string, item: RegExp, text: Decode): ScannedItem[] {
  const found: ScannedItem[] = [];
  item.lastIndex = 0;
  while (item.lastIndex < run.length) {
    const match = item.exec(run);
    if (!match) throw NOT_PLAIN;
    found.push({ value: text(match[1] ?? ''), display: text(match[2] ?? '') });
  }
  return found;
}

/**
 * V8 keeps a substring of 13 or more characters as a view into its source: one such value
 * (a date, a phone number) held by a contact waiting in a batch would keep the whole page
 * (hundreds of kilobytes) alive, long enough to reach the old generation. Joining and
 * slicing makes a string of its own (V8 flattens the join into a new string first).
 */
function detached(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

const NON_ASCII = /[\u0080-\uffff]/;

function same(raw: string): string {
  return raw;
}

/** Bytes held one per character, decoded as UTF-8 (as the HTTP layer decodes a body). */
function fromLatin1(raw: string): string {
  return NON_ASCII.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
}

/** Envelope-level text to the inner document's text, decoded as the general reader does. */
function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw;
  try {
    return decodeEntities(decodeEntities(raw));
  } catch {
    throw NOT_PLAIN;
  }
}
