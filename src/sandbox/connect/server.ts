/**
 * The Connect emulator: connect-api.md over real HTTP on loopback, with its data in
 * memory, faults injected by a seeded generator (so a run can be replayed), and hooks
 * for tests: change contacts (also between two pages of a client), bulk updates, and
 * logs of every request and every UpdateContact. Requests are answered in handler.ts.
 */
import { createServer } from 'node:http';
import type { AttributeValue } from '../../core/types.js';
import type { SandboxContact } from '../generate.js';
import { baseUrl, closeServer, listen } from '../http-util.js';
import { createRandom } from '../random.js';
import { connectClock } from './dates.js';
import type { BetweenPagesHook, ConnectEmulator, ConnectEmulatorOptions, ConnectKnobs, ConnectRequestRecord } from './emulator-types.js';
import { CONNECT_PATH, createRequestHandler } from './handler.js';
import { createConnectMethods, type UpdateApplied } from './methods.js';
import { createContactStore } from './store.js';

export { CONNECT_PATH } from './handler.js';
export type { BetweenPagesHook, ConnectCallOutcome, ConnectEmulator, ConnectEmulatorOptions, ConnectKnobs, ConnectRequestRecord } from './emulator-types.js';

/** Starts the emulator on a loopback port. */
export async function startConnectEmulator(options: ConnectEmulatorOptions): Promise<ConnectEmulator> {
  const { dataset } = options;
  const profile = options.profile ?? 'paged';
  const clock = connectClock(options.timeZone ?? dataset.timeZone ?? 'America/New_York', { seconds: profile === 'paged' });
  const now = options.now ?? (() => new Date());
  const store = createContactStore(dataset.contacts, dataset.filters.map((filter) => filter.id));
  const methods = createConnectMethods({ clientName: options.clientName, passKey: options.passKey, dataset, store, clock, now, profile });
  const knobs: ConnectKnobs = { latencyMs: 0, failure503Share: 0, faultShare: 0, truncatedShare: 0, retryAfterSeconds: undefined, faultMethods: undefined, unreadableRecords: {}, ...options.knobs };
  let random = createRandom(options.seed ?? 1);
  const requestLog: ConnectRequestRecord[] = [];
  const updates: UpdateApplied[] = [];
  const hooks = new Set<BetweenPagesHook>();
  const handle = createRequestHandler({ methods, knobs, profile, wsdl: options.wsdl ?? 'served', now, draw: () => random.next(), requestLog, updates, hooks });

  function change(ids: readonly string[], changes: Readonly<Record<string, AttributeValue>>, at: Date): SandboxContact[] {
    return methods.change(ids.map(contactNumber), changes, at);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `${baseUrl(host, port)}${CONNECT_PATH}`,
    knobs,
    clock,
    profile,
    requestLog,
    updates,
    getContact: (id) => store.get(Number(id)),
    modifyContacts: (ids, changes, at) => change(ids, changes, at ?? now()),
    bulkUpdate: (ids, at, changes = {}) => change(ids, changes, at),
    onBetweenPages(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    reseed(seed) {
      random = createRandom(seed);
    },
    close: () => closeServer(server),
  };
}

function contactNumber(id: string): number {
  if (!/^\d+$/.test(id)) throw new Error(`not a contact id: ${id}`);
  return Number(id);
}
