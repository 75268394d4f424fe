/**
 * A hostile service for the bad-input tests: a loopback HTTP proxy in front of a sandbox
 * emulator that passes every exchange through, except those its `tamper` function rewrites.
 * Starting from the emulator's real answer keeps the rest of the data true, so after the
 * hostile run a clean one can show that nothing was lost.
 */
import type { ServerResponse } from 'node:http';
import { soapResult } from '../support/fake-connect.js';
import { startServer, type CannedResponse, type RecordedRequest, type TestServer } from '../support/http-server.js';

/** One answer on its way back: what was asked, and what the real service said. */
export interface Exchange {
  request: RecordedRequest;
  /** The SOAP method (from SOAPAction) for Connect; `METHOD /path` for Cadence. */
  operation: string;
  /** How many exchanges of this operation came before this one (0 for the first). */
  index: number;
  status: number;
  contentType: string;
  body: string;
}

/**
 * Rewrites an exchange: a canned answer, `undefined` when it wrote to `res` itself (raw
 * bytes, a hang, a reset), or `'pass'` for the real answer.
 */
export type Tamper = (exchange: Exchange, res: ServerResponse) => CannedResponse | undefined | 'pass';

export interface HostileProxy {
  origin: string;
  /** Set by the test; `undefined` passes everything through. */
  tamper: Tamper | undefined;
  /** Exchanges per operation, counted since the last `reset()`. */
  counts: Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

const FORWARDED = ['content-type', 'soapaction', 'authorization', 'accept'];

/** Starts a proxy in front of `upstream` (an origin, `http://127.0.0.1:port`). */
export async function startHostileProxy(upstream: string): Promise<HostileProxy> {
  const proxy: HostileProxy = {
    origin: '',
    tamper: undefined,
    counts: new Map(),
    reset() {
      proxy.tamper = undefined;
      proxy.counts.clear();
    },
    close: async () => server.close(),
  };
  const server: TestServer = await startServer(async (request, res) => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(new URL(request.url, upstream), {
      method: request.method,
      headers,
      body: request.method === 'GET' ? undefined : request.body,
    });
    const soapAction = request.headers.soapaction;
    const operation =
      typeof soapAction === 'string' ? soapAction.replace(/^"?.*\/([A-Za-z]+)"?$/, '$1') : `${request.method} ${new URL(request.url, upstream).pathname}`;
    const index = proxy.counts.get(operation) ?? 0;
    proxy.counts.set(operation, index + 1);
    const exchange: Exchange = {
      request,
      operation,
      index,
      status: answer.status,
      contentType: answer.headers.get('content-type') ?? 'application/octet-stream',
      body: await answer.text(),
    };
    const tampered = proxy.tamper ? proxy.tamper(exchange, res) : 'pass';
    if (tampered !== 'pass') return tampered;
    const retryAfter = answer.headers.get('retry-after');
    return {
      status: exchange.status,
      headers: { 'content-type': exchange.contentType, ...(retryAfter === null ? {} : { 'retry-after': retryAfter }) },
      body: exchange.body,
    };
  });
  proxy.origin = server.origin;
  return proxy;
}

/** Connect: the inner document of a `<Method>Result`, decoded once (undefined when there is none). */
export function innerDocument(exchange: Exchange): string | undefined {
  const match = new RegExp(`<${exchange.operation}Result>([\\s\\S]*)</${exchange.operation}Result>`).exec(exchange.body);
  if (!match) return undefined;
  return match[1]!.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_all, name: string, decimal?: string, hex?: string) => {
    if (decimal !== undefined) return String.fromCodePoint(Number(decimal));
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[name]!;
  });
}

/** Connect: a 200 answer to the exchange's method carrying `inner` (escaped once, as the contract says). */
export function withInner(exchange: Exchange, inner: string): CannedResponse {
  return soapResult(exchange.operation, inner);
}

/** Connect: a 200 answer whose envelope is `envelope` as given (not escaped, not checked). */
export function rawXml(envelope: string | Buffer, res: ServerResponse, status = 200): undefined {
  const bytes = typeof envelope === 'string' ? Buffer.from(envelope, 'utf8') : envelope;
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
  return undefined;
}

/** Cadence: the exchange's JSON answer, rewritten by `change` (which may return anything). */
export function rewriteJson(exchange: Exchange, change: (data: any) => unknown): CannedResponse {
  const data = JSON.parse(exchange.body) as unknown;
  return { status: exchange.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(change(data)) };
}
