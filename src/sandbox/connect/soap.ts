/**
 * SOAP 1.1 as connect-api.md fixes it: reading a request envelope into a method name and
 * its parameters, and writing result envelopes (the inner `<result>` document escaped into
 * `<Method>Result`) and faults.
 */
import { childOf, escapeXml, parseXml, XmlSyntaxError } from './xml.js';

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const CONNECT_NS = 'http://connect2.askadmissions.net/webservices/';

export type FaultCode = 'soap:Client' | 'soap:Server';

/** A request the SOAP layer refuses; answered with HTTP 500 and a `soap:Fault`. */
export class SoapFault extends Error {
  readonly faultCode: FaultCode;
  constructor(faultCode: FaultCode, message: string) {
    super(message);
    this.name = 'SoapFault';
    this.faultCode = faultCode;
  }
}

export interface SoapRequest {
  method: string;
  /** Parameters by name; a parameter that is absent or `xsi:nil` is undefined. */
  params: ReadonlyMap<string, string>;
}

/** The method a SOAPAction header names (quoted or not), or undefined when it names none of ours. */
export function methodFromSoapAction(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const action = header.trim().replace(/^"(.*)"$/, '$1');
  return action.startsWith(CONNECT_NS) && action.length > CONNECT_NS.length ? action.slice(CONNECT_NS.length) : undefined;
}

/**
 * Reads a request envelope. Parameters are the method element's children in the Connect
 * namespace, as document/literal SOAP has them: an unqualified child does not count.
 * Throws SoapFault (`soap:Client`) for anything malformed or not agreeing with SOAPAction.
 */
export function parseSoapRequest(body: string, soapAction: string | undefined, methods: ReadonlySet<string>): SoapRequest {
  let envelope;
  try {
    envelope = parseXml(body);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new SoapFault('soap:Client', `Malformed XML: ${error.message}`);
    throw error;
  }
  if (envelope.local !== 'Envelope' || envelope.namespace !== SOAP_ENVELOPE_NS) {
    throw new SoapFault('soap:Client', `Expected a SOAP 1.1 Envelope in ${SOAP_ENVELOPE_NS}`);
  }
  const soapBody = childOf(envelope, 'Body', SOAP_ENVELOPE_NS);
  if (soapBody === undefined) throw new SoapFault('soap:Client', 'The Envelope has no Body');
  if (soapBody.children.length !== 1) throw new SoapFault('soap:Client', 'The Body must hold exactly one method element');
  const call = soapBody.children[0]!;
  if (call.namespace !== CONNECT_NS || !methods.has(call.local)) {
    throw new SoapFault('soap:Client', `Unknown method: {${call.namespace ?? ''}}${call.local}`);
  }
  if (soapAction === undefined) throw new SoapFault('soap:Client', 'Missing SOAPAction header');
  if (methodFromSoapAction(soapAction) !== call.local) {
    throw new SoapFault('soap:Client', `Server did not recognize the value of HTTP Header SOAPAction: ${soapAction}`);
  }
  const params = new Map<string, string>();
  for (const child of call.children) {
    if (child.namespace !== CONNECT_NS || params.has(child.local)) continue;
    const nil = Object.entries(child.attributes).some(([name, value]) => name.endsWith(':nil') && value === 'true');
    if (!nil) params.set(child.local, child.text);
  }
  return { method: call.local, params };
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="utf-8"?>' +
  `<soap:Envelope xmlns:soap="${SOAP_ENVELOPE_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
  '<soap:Body>';
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

/** The inner document of a success: `<result><code>1</code><returndata>…</returndata></result>`. */
export function successDocument(returnData: string): string {
  return `<result><code>1</code><returndata>${returnData}</returndata></result>`;
}

/** The inner document of an application error: `<result><code>0</code><errormessage>…</errormessage></result>`. */
export function errorDocument(message: string): string {
  return `<result><code>0</code><errormessage>${escapeXml(message)}</errormessage></result>`;
}

/** The response envelope carrying an inner document, escaped (unless it is already), in `<Method>Result`. */
export function resultEnvelope(method: string, innerDocument: string, escaped = false): string {
  return (
    `${ENVELOPE_OPEN}<${method}Response xmlns="${CONNECT_NS}">` +
    `<${method}Result>${escaped ? innerDocument : escapeXml(innerDocument)}</${method}Result>` +
    `</${method}Response>${ENVELOPE_CLOSE}`
  );
}

/**
 * The response envelope around a document that is already escaped and encoded (a page's
 * bytes, see contacts-page.ts): the envelope's two ends, to be sent on either side of it.
 */
export function resultEnvelopeEnds(method: string): [head: Buffer, tail: Buffer] {
  return [
    Buffer.from(`${ENVELOPE_OPEN}<${method}Response xmlns="${CONNECT_NS}"><${method}Result>`, 'utf8'),
    Buffer.from(`</${method}Result></${method}Response>${ENVELOPE_CLOSE}`, 'utf8'),
  ];
}

/** A `soap:Fault` envelope (sent with HTTP 500). */
export function faultEnvelope(code: FaultCode, message: string): string {
  return `${ENVELOPE_OPEN}<soap:Fault><faultcode>${code}</faultcode><faultstring>${escapeXml(message)}</faultstring><detail/></soap:Fault>${ENVELOPE_CLOSE}`;
}
