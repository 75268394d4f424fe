/** How the Connect emulator writes its answers: XML (whole or as it is produced), SOAP faults, the WSDL, IIS's HTML pages. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectRequestRecord } from './emulator-types.js';
import { faultEnvelope, type FaultCode } from './soap.js';
import { wsdlDocument, type ConnectProfile, type WsdlServed } from './wsdl.js';

/** A request header's (first) value. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Fills the log's GetFilterContacts / UpdateContact fields from raw parameters, leniently. */
export function describeParams(record: ConnectRequestRecord, params: ReadonlyMap<string, string>): void {
  if (record.method === 'GetFilterContacts') {
    const filterId = /<id>\s*(\d+)\s*<\/id>/.exec(params.get('FilterIdsXml') ?? '')?.[1];
    const number = (name: string) => (/^\s*\d+\s*$/.test(params.get(name) ?? '') ? Number(params.get(name)) : undefined);
    Object.assign(record, {
      filterId: filterId === undefined ? undefined : Number(filterId),
      modifiedSince: params.get('ModifiedSince'),
      startingRecord: number('StartingRecord'),
      endingRecord: number('EndingRecord'),
    });
  } else if (record.method === 'UpdateContact') {
    record.contactId = params.get('ContactId');
  }
}

/** Sends XML bytes, in one or more chunks (a page goes between the envelope's ends). */
export function sendXml(res: ServerResponse, status: number, chunks: readonly Buffer[]): void {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', 'content-length': length });
  // Corked: the head, the chunks and the end leave in one write.
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
  res.uncork();
}

/**
 * Sends a whole-filter answer as it is written, waiting for the socket to drain between
 * pieces (chunked: the length is not known ahead). Truncated: half the pieces, then a
 * clean end, as a proxy that gives up part-way would.
 */
export async function sendPieces(res: ServerResponse, [head, tail]: [Buffer, Buffer], pieces: Generator<Buffer>, truncate: boolean): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
  const write = async (chunk: Buffer) => {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
  };
  await write(head);
  let index = 0;
  for (const piece of pieces) {
    if (res.destroyed) return;
    // Truncated: cut inside the first slice of contacts (piece 0 is the document's head).
    if (truncate && index === 1) {
      await write(piece.subarray(0, Math.floor(piece.length / 2)));
      res.end();
      return;
    }
    await write(piece);
    index += 1;
  }
  if (!truncate) await write(tail);
  res.end();
}

export function sendWsdl(res: ServerResponse, profile: ConnectProfile, served: WsdlServed): void {
  if (served === 'not-found') return sendHtml(res, 404, 'Not Found', {});
  const text = served === 'not-xml' ? '<html><body>Service description unavailable' : wsdlDocument(profile);
  const body = Buffer.from(text, 'utf8');
  res.writeHead(200, { 'content-type': `${served === 'not-xml' ? 'text/html' : 'text/xml'}; charset=utf-8`, 'content-length': body.length });
  res.end(body);
}

export function sendFault(res: ServerResponse, record: ConnectRequestRecord, code: FaultCode, message: string): void {
  Object.assign(record, { outcome: code === 'soap:Client' ? 'client-fault' : 'server-fault', status: 500, error: message });
  sendXml(res, 500, [Buffer.from(faultEnvelope(code, message), 'utf8')]);
}

/** The HTML pages IIS answers with outside SOAP (405, 404, 503). */
export function sendHtml(res: ServerResponse, status: number, title: string, headers: Record<string, string>): void {
  const body = Buffer.from(`<!DOCTYPE html><html><head><title>${status} ${title}</title></head><body><h1>${title}</h1></body></html>`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...headers });
  res.end(body);
}
