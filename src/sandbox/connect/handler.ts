/**
 * The Connect emulator's request handler: the WSDL, the endpoint's POSTs (each draws one
 * number from the seeded generator, then may be answered with an injected fault), and the
 * SOAP methods' answers, logged as the emulator saw them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody } from '../http-util.js';
import { describeParams, header, sendFault, sendHtml, sendPieces, sendWsdl, sendXml } from './answers.js';
import type { BetweenPagesHook, ConnectKnobs, ConnectRequestRecord } from './emulator-types.js';
import type { createConnectMethods, UpdateApplied } from './methods.js';
import { methodFromSoapAction, parseSoapRequest, resultEnvelope, resultEnvelopeEnds, SoapFault } from './soap.js';
import { spoilRecords } from './unreadable.js';
import type { ConnectProfile, WsdlServed } from './wsdl.js';

export const CONNECT_PATH = '/ws/bridge.asmx';
const BODY_LIMIT = 1024 * 1024;

export interface HandlerDeps {
  methods: ReturnType<typeof createConnectMethods>;
  knobs: ConnectKnobs;
  profile: ConnectProfile;
  wsdl: WsdlServed;
  now(): Date;
  /** The next number of the seeded fault generator. */
  draw(): number;
  requestLog: ConnectRequestRecord[];
  updates: UpdateApplied[];
  hooks: ReadonlySet<BetweenPagesHook>;
}

/** The handler of the emulator's server. */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { knobs, requestLog } = deps;
  return async function handle(req, res) {
    const record: ConnectRequestRecord = { at: deps.now(), method: methodFromSoapAction(header(req, 'soapaction')), outcome: 'ok', status: 200 };
    const target = new URL(req.url ?? '/', 'http://localhost');
    const path = target.pathname;
    if (path === CONNECT_PATH && req.method === 'GET' && /^wsdl$/i.test(target.search.slice(1))) {
      req.resume();
      requestLog.push({ ...record, method: 'WSDL', status: deps.wsdl === 'not-found' ? 404 : 200, outcome: deps.wsdl === 'not-found' ? 'not-found' : 'ok' });
      sendWsdl(res, deps.profile, deps.wsdl);
      return;
    }
    if (path !== CONNECT_PATH || req.method !== 'POST') {
      req.resume();
      const found = path === CONNECT_PATH;
      requestLog.push({ ...record, outcome: found ? 'method-not-allowed' : 'not-found', status: found ? 405 : 404 });
      sendHtml(res, found ? 405 : 404, found ? 'Method Not Allowed' : 'Not Found', found ? { allow: 'POST' } : {});
      return;
    }
    requestLog.push(record);
    let body: string;
    try {
      body = await readBody(req, BODY_LIMIT);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) return; // the client went away
      sendFault(res, record, 'soap:Client', 'Request too large');
      return;
    }
    const drawn = deps.draw();
    const faulty = knobs.faultMethods === undefined || (record.method !== undefined && knobs.faultMethods.includes(record.method));
    const roll = faulty ? drawn : Infinity;
    if (knobs.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, knobs.latencyMs));
    if (answeredWithFault(res, record, roll, knobs)) return;
    const truncate = roll < knobs.failure503Share + knobs.faultShare + knobs.truncatedShare;
    await answerMethod(deps, req, res, record, body, truncate);
  };
}

/** Answers 503 or a server fault when the roll falls in their shares (the request is not processed). */
function answeredWithFault(res: ServerResponse, record: ConnectRequestRecord, roll: number, knobs: ConnectKnobs): boolean {
  if (roll < knobs.failure503Share) {
    Object.assign(record, { outcome: 'overloaded', status: 503 });
    const retryAfter: Record<string, string> = knobs.retryAfterSeconds === undefined ? {} : { 'retry-after': String(knobs.retryAfterSeconds) };
    sendHtml(res, 503, 'Service Unavailable', retryAfter);
    return true;
  }
  if (roll < knobs.failure503Share + knobs.faultShare) {
    sendFault(res, record, 'soap:Server', 'Server was unable to process request. ---> Transaction was deadlocked; rerun the transaction.');
    return true;
  }
  return false;
}

/** Runs the SOAP method and sends its answer (cut in half when `truncate`), or the fault it raised. */
async function answerMethod(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse, record: ConnectRequestRecord, body: string, truncate: boolean): Promise<void> {
  try {
    if (!/^text\/xml\b/i.test(header(req, 'content-type') ?? '')) throw new SoapFault('soap:Client', 'Content-Type must be text/xml');
    const request = parseSoapRequest(body, header(req, 'soapaction'), deps.methods.names);
    record.method = request.method;
    describeParams(record, request.params);
    const result = deps.methods.call(request);
    if (result.error !== undefined) Object.assign(record, { outcome: 'application-error', error: result.error });
    if (result.update) deps.updates.push(result.update);
    if (result.page) for (const hook of [...deps.hooks]) await hook(result.page);
    if (truncate) Object.assign(record, { outcome: 'truncated' });
    if (result.pieces) {
      await sendPieces(res, resultEnvelopeEnds(request.method), result.pieces(), truncate);
      return;
    }
    // A page is already bytes: sent between the envelope's ends, without a copy, and
    // its buffer used again once the answer has left.
    const chunks = result.bytes ? [...resultEnvelopeEnds(request.method)] : [Buffer.from(resultEnvelope(request.method, result.document), 'utf8')];
    if (result.bytes) chunks.splice(1, 0, spoiled(result.bytes, deps.knobs));
    if (result.release) res.once('finish', result.release);
    if (truncate) {
      const whole = Buffer.concat(chunks);
      sendXml(res, 200, [whole.subarray(0, Math.floor(whole.length / 2))]);
    } else {
      sendXml(res, 200, chunks);
    }
  } catch (error) {
    if (error instanceof SoapFault) sendFault(res, record, error.faultCode, error.message);
    else sendFault(res, record, 'soap:Server', `Server was unable to process request. ---> ${(error as Error).message}`);
  }
}

/** A page's bytes, with the records the knob names spoiled (a copy; the page's own buffer is released as usual). */
function spoiled(page: Buffer, knobs: ConnectKnobs): Buffer {
  if (Object.keys(knobs.unreadableRecords).length === 0) return page;
  return Buffer.from(spoilRecords(page.toString('utf8'), knobs.unreadableRecords), 'utf8');
}
