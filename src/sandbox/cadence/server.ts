/**
 * The Cadence emulator: cadence-api.md over real HTTP on a loopback port, with state in
 * memory and knobs for latency, faults, failed batches and the rate limit. Every request
 * goes: read body → latency → Basic auth (401) → rate limit (429) → random fault → route
 * (404/405) → team (404) → endpoint.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BodyTooLargeError, baseUrl, closeServer, listen, readBody, sendError } from '../http-util.js';
import { createFaultInjector, createRateLimiter } from './faults.js';
import { DEFAULT_CADENCE_KNOBS, type CadenceEmulator, type CadenceEmulatorOptions, type CadenceKnobs, type HeldContact, type RequestLogEntry } from './model.js';
import { handleEndpoint, matchRoute, type EndpointContext } from './routes.js';
import { createCadenceStore } from './store.js';
import { createWebhookSender, optOutHistoryCsv } from './webhooks.js';

/** Far above 1,000 contacts; only stops a runaway client from filling memory. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The API key of a request whose Basic credentials match, else undefined. */
function authenticatedKey(header: string | undefined, apiKey: string, apiSecret: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const key = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  // Compare digests, so neither the time taken nor a length check tells how much matched.
  const keyOk = timingSafeEqual(digest(key), digest(apiKey));
  const secretOk = timingSafeEqual(digest(secret), digest(apiSecret));
  return keyOk && secretOk ? key : undefined;
}

function copyContact(contact: HeldContact): HeldContact {
  return { ...contact, customFields: { ...contact.customFields } };
}

/** Starts the emulator on `host:port` (127.0.0.1 and a free port by default). */
export async function startCadenceEmulator(options: CadenceEmulatorOptions): Promise<CadenceEmulator> {
  const knobs: CadenceKnobs = { ...DEFAULT_CADENCE_KNOBS };
  for (const key of Object.keys(DEFAULT_CADENCE_KNOBS) as (keyof CadenceKnobs)[]) {
    const value = options[key];
    // Each key's value has that key's type; TypeScript cannot follow it through the loop.
    if (value !== undefined) (knobs as unknown as Record<string, unknown>)[key] = value;
  }
  const faults = createFaultInjector(knobs);
  const limiter = createRateLimiter();
  const store = createCadenceStore({ userIds: new Set(options.users.map((user) => user.userId)), knobs, faults });
  const batchHooks = new Set<Parameters<CadenceEmulator['onBatchSubmitted']>[0]>();
  const context: EndpointContext = {
    store,
    batchSubmitted: (batch) => {
      for (const hook of batchHooks) hook({ batchIdentifier: batch.id, contactIds: [...batch.contactIds] });
    },
    users: options.users.map((user) => ({ ...user })),
    fields: options.fields.map((field) => ({ ...field })),
    fieldNames: new Set(options.fields.map((field) => field.name)),
  };
  const requestLog: RequestLogEntry[] = [];
  const webhooks = createWebhookSender(options.deptCode);
  const recordOptOut = (id: string, optedOut: boolean, source: 'keyword' | 'staff', at: Date) => {
    const change = store.recordOptOut(id, optedOut, source, at);
    if (knobs.webhookUrl !== '') webhooks.send(knobs.webhookUrl, change);
    return change;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = new Date();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    res.on('finish', () => requestLog.push({ method, path: target, status: res.statusCode, at: arrived.toISOString() }));
    let body: string;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', error.message);
      throw error;
    }
    if (knobs.latencyMs > 0) await sleep(knobs.latencyMs);
    const key = authenticatedKey(req.headers.authorization, options.apiKey, options.apiSecret);
    if (key === undefined) {
      return sendError(res, 401, 'UNAUTHORIZED', 'API key or secret is not valid', { 'www-authenticate': 'Basic realm="Cadence"' });
    }
    const wait = limiter.admit(key, Date.now(), knobs.rateLimitPerSecond);
    if (wait !== undefined) {
      return sendError(res, 429, 'RATE_LIMITED', `More than ${knobs.rateLimitPerSecond} requests a second`, { 'retry-after': String(wait) });
    }
    const fault = faults.requestFault();
    if (fault?.status === 429) {
      return sendError(res, 429, 'RATE_LIMITED', 'Too many requests', { 'retry-after': String(fault.retryAfterSeconds) });
    }
    if (fault) return sendError(res, fault.status, 'SERVER_ERROR', 'Cadence could not answer; try again');
    const url = new URL(target, 'http://cadence.invalid');
    const match = matchRoute(method, url.pathname);
    if (!match.ok) {
      if (match.status === 405) return sendError(res, 405, 'METHOD_NOT_ALLOWED', `Use ${match.allow}`, { allow: match.allow ?? '' });
      return sendError(res, 404, 'NOT_FOUND', `No endpoint ${url.pathname}`);
    }
    if (match.deptCode !== undefined && match.deptCode !== options.deptCode) return sendError(res, 404, 'DEPARTMENT_NOT_FOUND', `No team '${match.deptCode}'`);
    handleEndpoint(context, { match, query: url.searchParams, contentType: req.headers['content-type'], body }, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the emulator: answer 500 rather than leave the client hanging.
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);

  return {
    url: baseUrl(host, port),
    port,
    knobs,
    requestLog,
    getContact: (id) => {
      const contact = store.contacts.get(id);
      return contact && copyContact(contact);
    },
    allContacts: () => Array.from(store.contacts.values(), copyContact),
    contactCount: () => store.contacts.size,
    putContact: (contact) => store.putContact(contact),
    batches: () => store.batches(),
    stats: () => ({ ...store.stats }),
    optOutChanges: () => store.feed.all(),
    recordKeyword: (id, keyword, at = new Date()) => recordOptOut(id, keyword === 'STOP', 'keyword', at),
    recordStaffChange: (id, optedOut, at = new Date()) => recordOptOut(id, optedOut, 'staff', at),
    whenIdle: () => store.whenIdle(),
    onBatchSubmitted(hook) {
      batchHooks.add(hook);
      return () => batchHooks.delete(hook);
    },
    webhookDeliveries: () => webhooks.deliveries(),
    whenWebhooksDelivered: () => webhooks.whenDelivered(),
    optOutHistoryCsv: () => optOutHistoryCsv(store.feed.all(), options.deptCode),
    async close() {
      store.stop();
      webhooks.stop();
      await closeServer(server);
    },
  };
}
