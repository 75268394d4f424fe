/**
 * Just enough XML for the emulator: a careful escaper for writing, and a strict reader
 * (fast-xml-parser underneath) that rejects what a real XML parser rejects: undefined
 * entities, characters XML cannot hold, several roots, undeclared prefixes, DTDs.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An element with its namespace resolved and its text (character data and CDATA, in order). */
export interface XmlElement {
  /** The name without prefix. */
  local: string;
  /** The namespace URI, or undefined when the element is in no namespace. */
  namespace: string | undefined;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  text: string;
}

/** The input is not well-formed XML. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

// Characters XML 1.0 cannot hold, and unpaired surrogates (control characters are the point here).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_XML_GLOBAL = new RegExp(NOT_XML.source, 'g');
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Escapes text for element content or a quoted attribute. `\r` becomes `&#13;` so it
 * survives the reader's line-end normalisation; characters XML cannot hold become U+FFFD.
 */
export function escapeXml(text: string): string {
  // One pass over the characters says what is needed (most values need nothing; a whole
  // inner document needs the markup escaped but nothing replaced): the regular expressions
  // below are costly on the large documents the emulator escapes for every page.
  let special = false;
  let unsafe = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20) {
      if (code === 0x0d) special = true;
      else if (code !== 0x09 && code !== 0x0a) unsafe = true;
    } else if (code === 0x26 || code === 0x3c || code === 0x3e || code === 0x22 || code === 0x27) special = true;
    else if (code >= 0xd800) unsafe = true;
  }
  if (!special && !unsafe) return text;
  const safe = unsafe && NOT_XML.test(text) ? text.replace(NOT_XML_GLOBAL, '\uFFFD') : text;
  if (!special) return safe;
  // `&` first, so no replacement is escaped again; the same result as one pass over ESCAPES.
  return safe.replaceAll('&', ESCAPES['&']!).replaceAll('<', ESCAPES['<']!).replaceAll('>', ESCAPES['>']!)
    .replaceAll('"', ESCAPES['"']!).replaceAll("'", ESCAPES["'"]!).replaceAll('\r', ESCAPES['\r']!);
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes character and predefined entity references; anything else is malformed. */
function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&<\s]*);|&/g, (whole, body: string | undefined) => {
    if (body === undefined) throw new XmlSyntaxError('bare "&" in text');
    const predefined = PREDEFINED[body];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
    if (!numeric) throw new XmlSyntaxError(`undefined entity ${whole}`);
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
    if (char === '' || NOT_XML.test(char) || (code >= 0xd800 && code <= 0xdfff)) throw new XmlSyntaxError(`reference to a character XML cannot hold: ${whole}`);
    return char;
  });
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses a document with exactly one root element. Throws XmlSyntaxError when it is not well-formed. */
export function parseXml(text: string): XmlElement {
  if (NOT_XML.test(text)) throw new XmlSyntaxError('contains a character XML cannot hold');
  if (/<!DOCTYPE/i.test(text)) throw new XmlSyntaxError('DTDs are not allowed');
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw new XmlSyntaxError(`${validation.err.msg} (line ${validation.err.line})`);
  const nodes = parser.parse(text) as OrderedNode[];
  const roots: XmlElement[] = [];
  for (const node of nodes) {
    const key = nodeKey(node);
    if (key === '#text') {
      if (String(node[key]).trim() !== '') throw new XmlSyntaxError('text outside the root element');
    } else if (key !== '#comment' && !key.startsWith('?')) {
      roots.push(toElement(node, key, new Map()));
    }
  }
  if (roots.length !== 1) throw new XmlSyntaxError(roots.length === 0 ? 'no root element' : 'more than one root element');
  return roots[0]!;
}

function nodeKey(node: OrderedNode): string {
  const key = Object.keys(node).find((name) => name !== ':@');
  if (key === undefined) throw new XmlSyntaxError('empty node');
  return key;
}

function toElement(node: OrderedNode, name: string, outer: ReadonlyMap<string, string>): XmlElement {
  const rawAttributes = node[':@'] ?? {};
  const scope = new Map(outer);
  const attributes: Record<string, string> = {};
  for (const [attribute, raw] of Object.entries(rawAttributes)) {
    const value = decodeEntities(String(raw));
    if (attribute === 'xmlns') scope.set('', value);
    else if (attribute.startsWith('xmlns:')) scope.set(attribute.slice(6), value);
    else attributes[attribute] = value;
  }
  const colon = name.indexOf(':');
  const prefix = colon === -1 ? '' : name.slice(0, colon);
  const namespace = scope.get(prefix);
  if (prefix !== '' && namespace === undefined) throw new XmlSyntaxError(`undeclared namespace prefix "${prefix}"`);
  const element: XmlElement = { local: name.slice(colon + 1), namespace: namespace || undefined, attributes, children: [], text: '' };
  let text = '';
  for (const child of node[name] as OrderedNode[]) {
    const key = nodeKey(child);
    if (key === '#text') text += decodeEntities(String(child[key]));
    else if (key === '#cdata') text += (child[key] as { '#text'?: string }[]).map((part) => part['#text'] ?? '').join('');
    else if (key !== '#comment' && !key.startsWith('?')) element.children.push(toElement(child, key, scope));
  }
  element.text = text;
  return element;
}

/** The first child with this local name (namespace given: only in that namespace). */
export function childOf(element: XmlElement, local: string, namespace?: string): XmlElement | undefined {
  return element.children.find((child) => child.local === local && (namespace === undefined || child.namespace === namespace));
}

/** Every child with this local name. */
export function childrenOf(element: XmlElement, local: string): XmlElement[] {
  return element.children.filter((child) => child.local === local);
}
