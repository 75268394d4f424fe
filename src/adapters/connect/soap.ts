/**
 * Connect's SOAP 1.1 framing (connect-api.md "Transport"): building request envelopes
 * whose `*Xml` parameters carry escaped inner documents, and reading answers whose
 * `<Method>Result` holds an escaped `<result>` document, or a `soap:Fault`.
 *
 * Parsing is done by fast-xml-parser with entity processing OFF and a strict decoder of
 * our own: the parser's decoder knows no numeric references, and an escaped inner document
 * must be decoded exactly once (the envelope's `&amp;lt;` is the inner document's `&lt;`).
 * Only the five predefined entities and character references exist; a DTD is refused
 * (SOAP forbids one), so no entity can expand into anything else.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const SOAP_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const CONNECT_NAMESPACE = 'http://connect2.askadmissions.net/webservices/';

/** An answer that is not the SOAP/XML the contract describes (truncated, HTML, wrong root…). */
export class UnparseableResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnparseableResponse';
  }
}

/** Escapes text for an XML element's content. `\r` is kept as a reference so parsers do not normalise it away. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>\r]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : '&#13;'));
}

/** The `SOAPAction` header value for a method, quotes included. */
export function soapAction(method: string): string {
  return `"${CONNECT_NAMESPACE}${method}"`;
}

/** A SOAP 1.1 request envelope; parameter values are text and are escaped here. */
export function buildEnvelope(method: string, params: readonly (readonly [name: string, value: string])[]): string {
  const fields = params.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<soap:Envelope xmlns:soap="${SOAP_ENVELOPE_NAMESPACE}"><soap:Body>` +
    `<${method} xmlns="${CONNECT_NAMESPACE}">${fields}</${method}>` +
    '</soap:Body></soap:Envelope>'
  );
}

/** `FilterIdsXml`: exactly one filter id. */
export function filterIdsXml(filterId: number): string {
  return `<filterids><id>${filterId}</id></filterids>`;
}

/** `AttributesXml` naming the attributes to return. */
export function attributeNamesXml(names: readonly string[]): string {
  return `<attributes>${names.map((name) => `<attribute><name>${escapeXml(name)}</name></attribute>`).join('')}</attributes>`;
}

/** `AttributesXml` carrying values to write. */
export function attributeValuesXml(values: Readonly<Record<string, string>>): string {
  const attributes = Object.entries(values).map(
    ([name, value]) => `<attribute><name>${escapeXml(name)}</name><value>${escapeXml(value)}</value></attribute>`,
  );
  return `<attributes>${attributes.join('')}</attributes>`;
}

const BARE_AMPERSAND = /&(?!(?:lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9A-Fa-f]{1,6});)/;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the XML references of parsed text exactly once; anything else after `&` is unparseable. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  if (BARE_AMPERSAND.test(text)) throw new UnparseableResponse('text holds an "&" that is not an XML reference');
  if (!text.includes('&#')) {
    // Native replacements, `&amp;` last: no replacement can form a reference a later one decodes.
    return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');
  }
  return text.replace(REFERENCE, (_match, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return NAMED[name]!;
    const codePoint = decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
    if (!isXmlChar(codePoint)) throw new UnparseableResponse(`character reference to U+${codePoint.toString(16).toUpperCase()} is not allowed in XML`);
    return String.fromCodePoint(codePoint);
  });
}

function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Decodes an element's raw content taken verbatim (a stop node): references, and CDATA sections kept literally. */
function decodeRawContent(raw: string): string {
  if (!raw.includes('<')) return decodeEntities(raw);
  let text = '';
  let index = 0;
  while (index < raw.length) {
    const open = raw.indexOf('<![CDATA[', index);
    const plainEnd = open === -1 ? raw.length : open;
    const plain = raw.slice(index, plainEnd);
    if (plain.includes('<')) throw new UnparseableResponse('the result element holds markup instead of an escaped document');
    text += decodeEntities(plain);
    if (open === -1) break;
    const close = raw.indexOf(']]>', open);
    if (close === -1) throw new UnparseableResponse('unterminated CDATA section');
    text += raw.slice(open + 9, close);
    index = close + 3;
  }
  return text;
}

/** Reads a parsed leaf (processEntities off): plain text, or text and CDATA parts. */
export function leafText(node: unknown): string | undefined {
  if (typeof node === 'string') return decodeEntities(node);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const { '#text': text, '#cdata': cdata, ...rest } = node as Record<string, unknown>;
  // XML attributes on a leaf (`xml:space`…) do not change its text; child elements do.
  if (Object.keys(rest).some((key) => !key.startsWith('@_'))) return undefined;
  const parts = Array.isArray(cdata) ? cdata : cdata === undefined ? [] : [cdata];
  if (parts.some((part) => typeof part !== 'string') || (text !== undefined && typeof text !== 'string')) return undefined;
  return (text === undefined ? '' : decodeEntities(text)) + parts.join('');
}

const COMMON_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  removeNSPrefix: true,
  cdataPropName: '#cdata',
  jPath: false,
} as const;

const envelopeParsers = new Map<string, XMLParser>();

function envelopeParser(method: string): XMLParser {
  let parser = envelopeParsers.get(method);
  if (!parser) {
    // The result element is a stop node: its (large) escaped text is taken verbatim, which is
    // both faster and the only way to decode it exactly once.
    parser = new XMLParser({ ...COMMON_OPTIONS, stopNodes: [`*.${method}Result`] });
    envelopeParsers.set(method, parser);
  }
  return parser;
}

/** Elements that repeat in the inner documents; always arrays so one and many read alike. */
const REPEATED = new Set(['contact', 'attribute', 'item', 'filter', 'sourcecode']);
const documentParser = new XMLParser({ ...COMMON_OPTIONS, isArray: (name: string) => REPEATED.has(name) });

export type Envelope =
  | { kind: 'result'; document: string }
  | { kind: 'fault'; code: string; message: string; side: 'client' | 'server' | 'other' };

/** Reads a SOAP answer to `method`: the decoded inner document, or the fault. Throws UnparseableResponse. */
export function readEnvelope(body: string, method: string): Envelope {
  if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
  if (body.includes('<!DOCTYPE')) throw new UnparseableResponse('the answer is not a SOAP envelope (it has a document type declaration)');
  // fast-xml-parser forgives a missing end; a truncated answer must not pass.
  if (!/<\/(?:[A-Za-z_][\w.-]*:)?Envelope>$/.test(body.slice(-100).trimEnd())) {
    throw new UnparseableResponse('the answer does not end with a SOAP envelope (truncated or not SOAP)');
  }
  const root = parseXml(envelopeParser(method), body);
  const envelope = child(root, 'Envelope');
  if (envelope === undefined) throw new UnparseableResponse('the answer is not a SOAP envelope');
  const soapBody = child(envelope, 'Body');
  const fault = child(soapBody, 'Fault');
  if (fault !== undefined) {
    const code = leafText(child(fault, 'faultcode'))?.trim() ?? '';
    const message = leafText(child(fault, 'faultstring'))?.trim() ?? '';
    const local = code.slice(code.indexOf(':') + 1);
    const side = local.startsWith('Server') ? 'server' : local.startsWith('Client') ? 'client' : 'other';
    return { kind: 'fault', code, message, side };
  }
  const result = child(child(soapBody, `${method}Response`), `${method}Result`);
  if (typeof result !== 'string') throw new UnparseableResponse(`the answer has no ${method}Result`);
  return { kind: 'result', document: decodeRawContent(result) };
}

export type ResultDocument = { kind: 'ok'; returndata: unknown } | { kind: 'error'; message: string };

/** Reads the inner `<result>` document: success with its returndata, or the application error. */
export function readResult(document: string): ResultDocument {
  if (document.includes('<!DOCTYPE')) throw new UnparseableResponse('the result document has a document type declaration');
  const validation = XMLValidator.validate(document);
  if (validation !== true) {
    throw new UnparseableResponse(`the result document is not well-formed XML (${validation.err.msg}, line ${validation.err.line})`);
  }
  const result = child(parseXml(documentParser, document), 'result');
  if (result === undefined || typeof result !== 'object') throw new UnparseableResponse('the result document has no <result> root');
  const code = leafText(child(result, 'code'))?.trim();
  if (code === '1') {
    const returndata = child(result, 'returndata');
    if (returndata === undefined) throw new UnparseableResponse('the result has code 1 but no <returndata>');
    return { kind: 'ok', returndata };
  }
  if (code === '0') {
    const message = leafText(child(result, 'errormessage'))?.trim();
    return { kind: 'error', message: message || 'Connect reported an error without a message' };
  }
  throw new UnparseableResponse(`the result has code ${JSON.stringify(code ?? null)} (expected 1 or 0)`);
}

function parseXml(parser: XMLParser, xml: string): unknown {
  try {
    return parser.parse(xml) as unknown;
  } catch (error) {
    throw new UnparseableResponse(`not well-formed XML (${(error as Error).message.slice(0, 200)})`);
  }
}

/** A child element of a parsed node (undefined when the node is not an element with children). */
function child(node: unknown, name: string): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  return (node as Record<string, unknown>)[name];
}
