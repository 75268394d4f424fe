/**
 * The client against the sandbox's Connect in both profiles: how auto chooses, whole mode
 * reading the same contacts as keyset mode, the guard, and broken whole answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectConfig } from '../../config/schema.js';
import type { ConnectContact } from '../../core/types.js';
import { ExternalServiceError } from '../../errors.js';
import { startConnectEmulator, type ConnectEmulator, type ConnectEmulatorOptions } from '../../sandbox/connect/index.js';
import { generateDataset } from '../../sandbox/generate.js';
import { captureLogger } from '../../../test/support/capture-logger.js';
import { createConnectClient, type ConnectClient } from './client.js';

const PASS_KEY = 'whole-pass-key';
const NOW = new Date('2026-11-24T12:00:00Z');
const FILTER = 70542;
const ATTRIBUTES = ['firstname', 'lastname', 'mobilephone', 'program_interest'];

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((each) => each.close()));
});

async function emulator(options: Partial<ConnectEmulatorOptions> = {}, contacts = 1300): Promise<ConnectEmulator> {
  const started = await startConnectEmulator({ clientName: 'astronomer', passKey: PASS_KEY, dataset: generateDataset({ contacts, seed: 3, now: NOW }), now: () => NOW, ...options });
  open.push(started);
  return started;
}

function client(connect: ConnectEmulator, paging: 'auto' | 'keyset' | 'whole', passKey = PASS_KEY, sleep: () => Promise<void> = async () => undefined) {
  const capture = captureLogger();
  const config = ConnectConfig.parse({ endpoint: connect.url, clientName: 'astronomer', passKey, paging, pageSize: 200 });
  const made: ConnectClient = createConnectClient(config, { logger: capture.logger, retry: { sleep } });
  open.push(made);
  return { client: made, capture };
}

async function readAll(source: ConnectClient, options: { since?: Date; notes?: string[]; whole?: boolean[] } = {}): Promise<ConnectContact[]> {
  const contacts: ConnectContact[] = [];
  const onNotice = (note: string) => options.notes?.push(note);
  const onReadWhole = () => options.whole?.push(true);
  for await (const page of source.fetchFilterContacts(FILTER, ATTRIBUTES, { since: options.since, onNotice, onReadWhole })) contacts.push(...page);
  return contacts;
}

/** Contacts by id, without modifieddate (a public instance writes it to the minute). */
function byId(contacts: readonly ConnectContact[]): Map<string, ConnectContact['attributes']> {
  return new Map(contacts.map((contact) => [contact.contactId, contact.attributes]));
}

const getFilterContacts = (connect: ConnectEmulator) => connect.requestLog.filter((entry) => entry.method === 'GetFilterContacts');

describe('auto', () => {
  it('pages by keyset when the WSDL declares the three parameters, and reads whole when it does not', async () => {
    const paged = await emulator();
    const keyset = client(paged, 'auto');
    expect(await keyset.client.pagingPlan()).toMatchObject({ mode: 'keyset', warn: false });
    const fromKeyset = await readAll(keyset.client);
    const wsdlReads = paged.requestLog.filter((entry) => entry.method === 'WSDL');
    expect(wsdlReads).toHaveLength(1);
    expect(getFilterContacts(paged).length).toBeGreaterThan(1);

    const publicConnect = await emulator({ profile: 'public' });
    const whole = client(publicConnect, 'auto');
    expect(await whole.client.pagingPlan()).toMatchObject({ mode: 'whole', why: 'the WSDL declares GetFilterContacts without ModifiedSince, StartingRecord, EndingRecord' });
    const readWhole: boolean[] = [];
    const fromWhole = await readAll(whole.client, { whole: readWhole });
    expect(readWhole).toEqual([true]);
    await readAll(whole.client);
    // One WSDL read per client, one call per filter read.
    expect(publicConnect.requestLog.map((entry) => entry.method)).toEqual(['WSDL', 'GetFilterContacts', 'GetFilterContacts']);
    expect(fromWhole).toHaveLength(fromKeyset.length);
    expect(byId(fromWhole)).toEqual(byId(fromKeyset));
    expect(fromWhole.map((contact) => contact.contactId)).not.toEqual(fromKeyset.map((contact) => contact.contactId));
  });

  it('sends the four public parameters only in whole mode', async () => {
    const connect = await emulator({ profile: 'public' });
    await readAll(client(connect, 'whole').client, { since: new Date('2026-11-20T00:00:00Z') });
    expect(getFilterContacts(connect)).toMatchObject([{ filterId: FILTER, modifiedSince: undefined, startingRecord: undefined, endingRecord: undefined }]);
  });

  it.each(['not-found', 'not-xml'] as const)('falls back to keyset with a warning when the WSDL is %s, and the guard switches to whole', async (wsdl) => {
    const connect = await emulator({ profile: 'public', wsdl });
    const { client: source, capture } = client(connect, 'auto');
    const plan = await source.pagingPlan();
    expect(plan).toMatchObject({ mode: 'keyset', warn: true });
    expect(plan.why).toMatch(/^the WSDL could not be read/);
    const notes: string[] = [];
    const contacts = await readAll(source, { notes });
    expect(new Set(contacts.map((contact) => contact.contactId)).size).toBe(filterSize(connect));
    expect(notes).toEqual([`filter ${FILTER}: Connect ignored the paging parameters (${filterSize(connect)} records when 200 were asked); read whole for this run`]);
    expect(capture.text()).toContain('Connect ignored the paging parameters; reading the filter whole for this run');
    expect(capture.text()).toContain('Connect paging not confirmed by the WSDL; keyset with a guard');
    // The second read of the filter in this run goes whole at once.
    await readAll(source);
    expect(getFilterContacts(connect).map((entry) => entry.startingRecord)).toEqual([1, undefined, undefined]);
  });
});

/** Contacts in the filter (the generator spaces ids by at most 6 from 100000). */
function filterSize(connect: ConnectEmulator): number {
  let count = 0;
  for (let id = 100_000; id < 110_000; id++) if (connect.getContact(id)?.filterIds.includes(FILTER)) count += 1;
  return count;
}

describe('the guard in keyset mode', () => {
  it('switches to whole when a page holds records dated before ModifiedSince, losing nothing', async () => {
    // A public instance ignoring ModifiedSince, on a filter that fits one page: only the date shows it.
    const connect = await emulator({ profile: 'public' }, 150);
    const { client: source } = client(connect, 'keyset');
    const notes: string[] = [];
    const whole: boolean[] = [];
    const contacts = await readAll(source, { since: new Date('2026-11-24T11:00:00Z'), notes, whole });
    expect(notes).toHaveLength(1);
    // Read to its end whole: the run may take the filter as read in full (still failing, product.md §6).
    expect(whole).toEqual([true]);
    expect(notes[0]).toMatch(/^filter 70542: Connect ignored the paging parameters \(a record dated .* when ModifiedSince was 24 Nov 2026 06:00:00 AM\); read whole for this run$/);
    expect(new Set(contacts.map((contact) => contact.contactId)).size).toBe(filterSize(connect));
  });

  it('stays keyset on an instance that pages', async () => {
    const connect = await emulator();
    const notes: string[] = [];
    const whole: boolean[] = [];
    await readAll(client(connect, 'keyset').client, { since: new Date('2026-11-20T00:00:00Z'), notes, whole });
    expect(notes).toEqual([]);
    expect(whole).toEqual([]);
    expect(getFilterContacts(connect).every((entry) => entry.startingRecord !== undefined)).toBe(true);
  });
});

describe('whole answers that go wrong', () => {
  it('re-reads an answer cut off part-way once; contacts already handed on may come again', async () => {
    const connect = await emulator({ profile: 'public', knobs: { truncatedShare: 1 } });
    connect.onBetweenPages(() => {
      connect.knobs.truncatedShare = 0;
    });
    const contacts = await readAll(client(connect, 'whole').client);
    expect(getFilterContacts(connect).map((entry) => entry.outcome)).toEqual(['truncated', 'ok']);
    expect(new Set(contacts.map((contact) => contact.contactId)).size).toBe(filterSize(connect));
  });

  it('fails the run when the answer is cut off twice: never "fewer contacts"', async () => {
    const connect = await emulator({ profile: 'public', knobs: { truncatedShare: 1 } });
    const error = await readAll(client(connect, 'whole').client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExternalServiceError);
    expect((error as Error).message).toMatch(/^Connect: malformed answers to GetFilterContacts after 2 attempts: unparseable answer to GetFilterContacts \(whole filter\)/);
    expect(getFilterContacts(connect)).toHaveLength(2);
  });

  it('retries a 503 as usual', async () => {
    const connect = await emulator({ profile: 'public', knobs: { failure503Share: 1 } });
    let waits = 0;
    // The second wait before a retry ends the overload: two 503s, then the answer.
    const sleep = async () => {
      waits += 1;
      if (waits === 2) connect.knobs.failure503Share = 0;
    };
    const contacts = await readAll(client(connect, 'whole', PASS_KEY, sleep).client);
    expect(getFilterContacts(connect).map((entry) => entry.status)).toEqual([503, 503, 200]);
    expect(new Set(contacts.map((contact) => contact.contactId)).size).toBe(filterSize(connect));
  });

  it('reads "Passkey is invalid" as refused credentials, pointing at the keys, never showing the pass key', async () => {
    const connect = await emulator({ profile: 'public' });
    const error = await readAll(client(connect, 'whole', 'wrong-pass-key-123').client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExternalServiceError);
    expect((error as ExternalServiceError).hint).toBe('check connect.clientName / connect.passKey');
    expect(String((error as Error).message)).not.toContain('wrong-pass-key-123');
    expect(getFilterContacts(connect)).toHaveLength(1);
  });
});
