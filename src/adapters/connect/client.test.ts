import { afterEach, describe, expect, it } from 'vitest';
import { ConnectConfig } from '../../config/schema.js';
import type { ConnectContact } from '../../core/types.js';
import { ExternalServiceError } from '../../errors.js';
import { captureLogger } from '../../../test/support/capture-logger.js';
import { appError, createFakeConnect, soapFault, soapResult, type FakeConnect, type FakeContact } from '../../../test/support/fake-connect.js';
import { startServer, type CannedResponse, type Handler, type TestServer } from '../../../test/support/http-server.js';
import type { RetryPolicy } from '../http/retry.js';
import { createConnectClient, type ConnectClient, type ConnectClientOptions } from './client.js';

const PASS_KEY = 's3cret';
const NOW = Date.parse('2026-11-24T18:00:00Z');
const base = Date.parse('2026-11-24T17:00:00Z');
const SECOND = 1000;

const servers: TestServer[] = [];
const clients: ConnectClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Setup {
  server: TestServer;
  client: ConnectClient;
  slept: number[];
}

async function setup(handler: Handler, options: ConnectClientOptions & { pageSize?: number } = {}): Promise<Setup> {
  const server = await startServer(handler);
  servers.push(server);
  const slept: number[] = [];
  const retry: Partial<RetryPolicy> = {
    maxAttempts: 4,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...options.retry,
  };
  const config = ConnectConfig.parse({ endpoint: `${server.origin}/ws/bridge.asmx`, clientName: 'astronomer', passKey: PASS_KEY, pageSize: options.pageSize ?? 500 });
  const client = createConnectClient(config, { ...options, retry });
  clients.push(client);
  return { server, client, slept };
}

async function withFake(fake: FakeConnect, options: ConnectClientOptions & { pageSize?: number } = {}): Promise<Setup> {
  return setup(fake.handle, options);
}

async function readAll(client: ConnectClient, options: { since?: Date; attributes?: string[]; signal?: AbortSignal } = {}): Promise<ConnectContact[]> {
  const contacts: ConnectContact[] = [];
  for await (const page of client.fetchFilterContacts(70542, options.attributes ?? ['firstname'], options)) contacts.push(...page);
  return contacts;
}

function sameSecond(count: number, at = base): FakeContact[] {
  return Array.from({ length: count }, (_, index) => ({ id: 100_001 + index, modified: new Date(at), attributes: { firstname: `Ana ${index}` } }));
}

/** An answer sequence: each request takes the next; the last repeats. */
function answers(...sequence: CannedResponse[]): Handler {
  let index = 0;
  return () => sequence[Math.min(index++, sequence.length - 1)];
}

const OK_FILTERS = soapResult('GetAllFilters', '<result><code>1</code><returndata><filters><filter><id>70542</id><name>Fall 2027 inquiries</name></filter></filters></returndata></result>');

describe('requests on the wire', () => {
  it('sends GetFilterContacts exactly as connect-api.md shows', async () => {
    const fake = createFakeConnect({ contacts: sameSecond(1) });
    const { server, client } = await withFake(fake);
    await readAll(client, { since: new Date('2026-11-24T06:00:00Z'), attributes: ['firstname', 'mobilephone'] });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/ws/bridge.asmx' });
    expect(request!.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(request!.headers.soapaction).toBe('"http://connect2.askadmissions.net/webservices/GetFilterContacts"');
    expect(request!.body).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n' +
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
        '<GetFilterContacts xmlns="http://connect2.askadmissions.net/webservices/">' +
        '<ClientName>astronomer</ClientName><PassKey>s3cret</PassKey>' +
        '<FilterIdsXml>&lt;filterids&gt;&lt;id&gt;70542&lt;/id&gt;&lt;/filterids&gt;</FilterIdsXml>' +
        '<AttributesXml>&lt;attributes&gt;&lt;attribute&gt;&lt;name&gt;firstname&lt;/name&gt;&lt;/attribute&gt;' +
        '&lt;attribute&gt;&lt;name&gt;mobilephone&lt;/name&gt;&lt;/attribute&gt;&lt;/attributes&gt;</AttributesXml>' +
        '<ModifiedSince>24 Nov 2026 01:00:00 AM</ModifiedSince><StartingRecord>1</StartingRecord><EndingRecord>500</EndingRecord>' +
        '</GetFilterContacts></soap:Body></soap:Envelope>',
    );
  });

  it('sends an empty ModifiedSince without `since`', async () => {
    const fake = createFakeConnect({ contacts: sameSecond(1) });
    const { client } = await withFake(fake);
    await readAll(client);
    expect(fake.calls[0]!.params.ModifiedSince).toBe('');
  });

  it('writes a contact with UpdateContact, values escaped inside the escaped document', async () => {
    const changedAt = new Date('2026-11-25T06:12:09Z');
    const fake = createFakeConnect({ contacts: sameSecond(1), now: () => changedAt });
    const { server, client } = await withFake(fake);
    const result = await client.updateContact('100001', { sms_status: 'Opted Out & <gone>' }, 'CADENCE');
    expect(result).toEqual({ modifiedAt: '2026-11-25T06:12:09.000Z' });
    expect(server.requests[0]!.headers.soapaction).toBe('"http://connect2.askadmissions.net/webservices/UpdateContact"');
    expect(server.requests[0]!.body).toContain(
      '<UpdateContact xmlns="http://connect2.askadmissions.net/webservices/"><ClientName>astronomer</ClientName><PassKey>s3cret</PassKey>' +
        '<ContactId>100001</ContactId><AttributesXml>&lt;attributes&gt;&lt;attribute&gt;&lt;name&gt;sms_status&lt;/name&gt;' +
        '&lt;value&gt;Opted Out &amp;amp; &amp;lt;gone&amp;gt;&lt;/value&gt;&lt;/attribute&gt;&lt;/attributes&gt;</AttributesXml>' +
        '<SourceCode>CADENCE</SourceCode></UpdateContact>',
    );
    expect(fake.contacts[0]!.attributes?.sms_status).toBe('Opted Out & <gone>');
  });

  it('reads attributes, filters and source codes', async () => {
    const { client } = await setup(({ headers }) => {
      const action = String(headers.soapaction);
      if (action.endsWith('GetAllAttributes"')) {
        return soapResult(
          'GetAllAttributes',
          '<result><code>1</code><returndata><attributes>\n' +
            '  <attribute><name>firstname</name><mappingname>First Name</mappingname><type>text</type></attribute>\n' +
            '  <attribute><name>program_interest</name><mappingname>Program of Interest &amp; Major</mappingname><type>list</type></attribute>\n' +
            '</attributes></returndata></result>',
        );
      }
      if (action.endsWith('GetSourceCodes"')) {
        return soapResult('GetSourceCodes', '<result><code>1</code><returndata><sourcecodes><sourcecode><code>CADENCE</code><description>Changes made by Cadence</description></sourcecode></sourcecodes></returndata></result>');
      }
      return OK_FILTERS;
    });
    expect(await client.getAttributes()).toEqual([
      { name: 'firstname', mappingName: 'First Name', type: 'text' },
      { name: 'program_interest', mappingName: 'Program of Interest & Major', type: 'list' },
    ]);
    expect(await client.getFilters()).toEqual([{ id: 70542, name: 'Fall 2027 inquiries' }]);
    expect(await client.getSourceCodes()).toEqual([{ code: 'CADENCE', description: 'Changes made by Cadence' }]);
  });

  it('reads an empty list of filters', async () => {
    const { client } = await setup(answers(soapResult('GetAllFilters', '<result><code>1</code><returndata><filters/></returndata></result>')));
    expect(await client.getFilters()).toEqual([]);
  });
});

describe('reading contacts', () => {
  it('reads text, empty values, list items, escaped specials and accents as written', async () => {
    const inner =
      '<result><code>1</code><returndata><contacts total="2">\n' +
      '  <contact>\n' +
      '    <attribute><name>contactid</name><value>007</value></attribute>\n' +
      '    <attribute><name>modifieddate</name><value>24 Nov 2026 01:05:22 PM</value></attribute>\n' +
      '    <attribute><name>firstname</name><value>  Zoë &amp; &lt;Ana&gt; "Q" \'S\'  </value></attribute>\n' +
      '    <attribute><name>lastname</name><value>Jos&#233; N&#xfa;&#241;ez</value></attribute>\n' +
      '    <attribute><name>mobilephone</name><value/></attribute>\n' +
      '    <attribute><name>sms_status</name><value></value></attribute>\n' +
      '    <attribute><name>city</name><value><![CDATA[Tom & <Jerry>]]></value></attribute>\n' +
      '    <attribute>\n' +
      '      <name>program_interest</name>\n' +
      '      <item><value>BIO</value><display>Biology &amp; Life</display></item>\n' +
      '      <item><value>CHEM</value><display>Chemistry</display></item>\n' +
      '    </attribute>\n' +
      '  </contact>\n' +
      '  <contact>\n' +
      '    <attribute><name>contactid</name><value>100235</value></attribute>\n' +
      '    <attribute><name>modifieddate</name><value>24 Nov 2026 01:05:23 PM</value></attribute>\n' +
      '    <attribute><name>program_interest</name></attribute>\n' +
      '  </contact>\n' +
      '</contacts></returndata></result>';
    const { server, client } = await setup(answers(soapResult('GetFilterContacts', inner)));
    expect(await readAll(client)).toEqual([
      {
        contactId: '007',
        modifiedLocal: '24 Nov 2026 01:05:22 PM',
        modifiedAt: '2026-11-24T18:05:22.000Z',
        attributes: {
          firstname: '  Zoë & <Ana> "Q" \'S\'  ',
          lastname: 'José Núñez',
          mobilephone: '',
          sms_status: '',
          city: 'Tom & <Jerry>',
          program_interest: [
            { value: 'BIO', display: 'Biology & Life' },
            { value: 'CHEM', display: 'Chemistry' },
          ],
        },
      },
      { contactId: '100235', modifiedLocal: '24 Nov 2026 01:05:23 PM', modifiedAt: '2026-11-24T18:05:23.000Z', attributes: { program_interest: [] } },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['no total', '<contacts>', /total/],
    ['a total that is not a number', '<contacts total="many">', /total/],
  ])('refuses contacts with %s', async (_what, open, message) => {
    const { server, client } = await setup(answers(soapResult('GetFilterContacts', `<result><code>1</code><returndata>${open}</contacts></returndata></result>`)));
    await expect(readAll(client)).rejects.toThrow(message);
    expect(server.requests).toHaveLength(1);
  });

  const contact = (id: string | undefined, date: string | undefined) =>
    '<contact>' +
    (id === undefined ? '' : `<attribute><name>contactid</name><value>${id}</value></attribute>`) +
    (date === undefined ? '' : `<attribute><name>modifieddate</name><value>${date}</value></attribute>`) +
    '</contact>';
  const good = contact('100234', '24 Nov 2026 01:05:22 PM');
  // product.md §8: one record that cannot be read is handed over as such; the answer is read on.
  const named = (id: string | undefined, date: string | undefined, extra = '<attribute><name>firstname</name><value>Ana</value></attribute>') =>
    contact(id, date).replace('</contact>', `${extra}</contact>`);
  it.each([
    ['a missing contactid', named(undefined, '24 Nov 2026 01:05:22 PM'), '', /record 2: contactid is missing/],
    ['contactid 0', named('0', '24 Nov 2026 01:05:22 PM'), '0', /record 2: contactid is "0"/],
    ['contactid -5', named('-5', '24 Nov 2026 01:05:22 PM'), '-5', /record 2: contactid is "-5"/],
    ['contactid abc', named('abc', '24 Nov 2026 01:05:22 PM'), 'abc', /record 2: contactid is "abc"/],
    ['a missing modifieddate', named('100235', undefined), '100235', /record 2 \(contactid 100235\): modifieddate is missing/],
    ['an ISO modifieddate', named('100235', '2026-11-24T18:05:22Z'), '100235', /record 2 \(contactid 100235\): modifieddate is "2026-11-24T18:05:22Z"/],
    [
      'a character reference XML forbids in a value',
      named('100235', '24 Nov 2026 01:05:22 PM', '<attribute><name>firstname</name><value>Ana</value></attribute><attribute><name>city</name><value>A&#1;B</value></attribute>'),
      '100235',
      /record 2 \(contactid 100235\): attribute city: character reference to U\+1 is not allowed in XML/,
    ],
  ])('hands over a record with %s as unreadable, with what could be read, and reads on', async (_what, second, id, reason) => {
    const third = contact('100236', '24 Nov 2026 01:05:24 PM');
    const inner = `<result><code>1</code><returndata><contacts total="3">${good}${second}${third}</contacts></returndata></result>`;
    const { server, client } = await setup(answers(soapResult('GetFilterContacts', inner)));
    const contacts = await readAll(client);
    expect(contacts.map((each) => [each.contactId, each.unreadable !== undefined])).toEqual([
      ['100234', false],
      [id, true],
      ['100236', false],
    ]);
    expect(contacts[1]!.unreadable).toMatch(reason);
    expect(contacts[1]!.attributes).toMatchObject({ firstname: 'Ana' });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a contact whose value is markup, naming it, without retrying', async () => {
    const second = '<contact><attribute><name>x</name><value><b>1</b></value></attribute></contact>';
    const inner = `<result><code>1</code><returndata><contacts total="2">${good}${second}</contacts></returndata></result>`;
    const { server, client } = await setup(answers(soapResult('GetFilterContacts', inner)));
    const failure = await readAll(client).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect((failure as Error).message).toMatch(/^Connect: malformed answer: GetFilterContacts: record 2: attribute\[0\]\.value/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('the errors table of connect-api.md', () => {
  it('shows an application error as it is, without retrying', async () => {
    const { server, client } = await setup(answers(appError('GetFilterContacts', 'Unknown filter: 70542')));
    const failure = (await readAll(client).catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.message).toBe('Connect: Unknown filter: 70542');
    expect(failure.hint).toBe('check criteria.filterIds');
    expect(server.requests).toHaveLength(1);
  });

  it('points at the credentials for "Invalid ClientName or PassKey" and never shows the PassKey', async () => {
    const fake = createFakeConnect({ passKey: 'the-real-one' });
    const capture = captureLogger();
    const { server, client } = await withFake(fake, { logger: capture.logger });
    const failure = (await client.getFilters().catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.message).toBe('Connect: Invalid ClientName or PassKey');
    expect(failure.hint).toBe('check connect.clientName / connect.passKey');
    expect(server.requests).toHaveLength(1);
    expect(capture.text()).not.toContain(PASS_KEY);
    expect(capture.text()).toContain('"status":200');
  });

  it('does not retry a soap:Client fault', async () => {
    const { server, client } = await setup(answers(soapFault('soap:Client', 'Server did not recognize the value of HTTP Header SOAPAction')));
    await expect(client.getFilters()).rejects.toThrow(/^Connect: GetAllFilters was refused: SOAP fault soap:Client: Server did not recognize/);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a soap:Server fault', async () => {
    const { server, client, slept } = await setup(answers(soapFault('soap:Server', 'Deadlock victim'), OK_FILTERS));
    expect(await client.getFilters()).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(slept).toEqual([125]);
  });

  it('gives up on soap:Server faults after the last attempt, keeping the PassKey out of the message', async () => {
    const { server, client, slept } = await setup(answers(soapFault('soap:Server', `login failed for key ${PASS_KEY}`)));
    const failure = (await client.getFilters().catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.message).toBe('Connect: GetAllFilters failed after 4 attempts: SOAP fault soap:Server: login failed for key [redacted]');
    expect(server.requests).toHaveLength(4);
    expect(slept).toEqual([125, 250, 500]);
  });

  it('honours Retry-After in seconds on 503', async () => {
    const { client, slept } = await setup(answers({ status: 503, headers: { 'retry-after': '2' }, body: 'busy' }, OK_FILTERS));
    expect(await client.getFilters()).toHaveLength(1);
    expect(slept).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP date on 429, capped', async () => {
    const in5s = new Date(NOW + 5000).toUTCString();
    const inAnHour = new Date(NOW + 3_600_000).toUTCString();
    const { client, slept } = await setup(
      answers({ status: 429, headers: { 'retry-after': in5s } }, { status: 429, headers: { 'retry-after': inAnHour } }, OK_FILTERS),
    );
    expect(await client.getFilters()).toHaveLength(1);
    expect(slept).toEqual([5000, 60_000]);
  });

  it('gives up on 503 after the last attempt', async () => {
    const { server, client } = await setup(answers({ status: 503 }));
    await expect(client.getFilters()).rejects.toThrow('Connect: GetAllFilters failed after 4 attempts: HTTP 503');
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry an unexpected status', async () => {
    const { server, client } = await setup(answers({ status: 404, body: 'Not Found' }));
    const failure = (await client.getFilters().catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure.message).toBe('Connect: GetAllFilters: unexpected HTTP 404');
    expect(failure.hint).toBe('check connect.endpoint');
    expect(server.requests).toHaveLength(1);
  });

  const good = soapResult('GetFilterContacts', '<result><code>1</code><returndata><contacts total="0"></contacts></returndata></result>');
  it.each([
    ['a truncated body', { status: 200, body: good.body!.slice(0, good.body!.length - 40) }],
    ['an HTML error page', { status: 200, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><body>Runtime Error</body></html>' }],
    ['a 500 without a SOAP fault', { status: 500, body: '<html><body>Internal Server Error</body></html>' }],
    ['a wrong root element', { status: 200, body: '<?xml version="1.0"?><answer><ok/></answer>' }],
    ['a missing Result', soapResult('GetAllFilters', '<result/>')],
    ['a result that is not XML', soapResult('GetFilterContacts', 'Object reference not set to an instance of an object.')],
    ['an empty body', { status: 200, body: '' }],
  ])('retries %s once, then fails, never reading it as zero contacts', async (_what, bad) => {
    const { server, client } = await setup(answers(bad as CannedResponse));
    const pages: ConnectContact[][] = [];
    const failure = await (async () => {
      for await (const page of client.fetchFilterContacts(70542, ['firstname'])) pages.push(page);
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect((failure as Error).message).toMatch(/^Connect: malformed answers to GetFilterContacts after 2 attempts: unparseable answer/);
    expect(pages).toEqual([]);
    expect(server.requests).toHaveLength(2);

    const recovered = await setup(answers(bad as CannedResponse, good));
    expect(await readAll(recovered.client)).toEqual([]);
    expect(recovered.server.requests).toHaveLength(2);
  });

  it('points at the endpoint when Connect is unreachable', async () => {
    const { server, client } = await setup(() => undefined);
    await server.close();
    const failure = (await client.getFilters().catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.message).toMatch(/^Connect: unreachable after 4 attempts: cannot connect \(ECONNREFUSED\)/);
    expect(failure.hint).toBe('check connect.endpoint');
  });
});

describe('keyset paging over HTTP', () => {
  it('reads 1,200 contacts sharing one modifieddate exactly once with pages of 500', async () => {
    const fake = createFakeConnect({ contacts: sameSecond(1200) });
    const { client } = await withFake(fake);
    const contacts = await readAll(client);
    expect(contacts.map((contact) => contact.contactId)).toEqual(fake.contacts.map((contact) => String(contact.id)));
    expect(fake.calls.map((call) => [call.params.StartingRecord, call.params.EndingRecord])).toEqual([
      ['1', '500'],
      ['496', '995'],
      ['991', '1490'],
    ]);
  });

  it('reads a contact that changed before it was read at its new place', async () => {
    const fake = createFakeConnect({ contacts: Array.from({ length: 20 }, (_, index) => ({ id: 1 + index, modified: new Date(base + index * SECOND) })) });
    fake.beforePage = ({ index }) => {
      if (index === 1) fake.modify(15, new Date(base + 3600 * SECOND));
    };
    const { client } = await withFake(fake, { pageSize: 5 });
    const ids = (await readAll(client)).map((contact) => contact.contactId);
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '16', '17', '18', '19', '20', '15']);
  });

  it('loses no contact when a seen one of the same second changes between pages', async () => {
    const scenario = () => {
      const fake = createFakeConnect({ contacts: sameSecond(12) });
      fake.beforePage = ({ index }) => {
        if (index === 1) fake.modify(100_003, new Date(base + 60 * SECOND));
      };
      return fake;
    };
    const everyone = sameSecond(12).map((contact) => String(contact.id));

    const plain = await withFake(scenario(), { pageSize: 5, overlap: 0 });
    const plainIds = new Set((await readAll(plain.client)).map((contact) => contact.contactId));
    expect(everyone.filter((id) => !plainIds.has(id))).toEqual(['100006']); // what the recipe alone loses

    const capture = captureLogger();
    const guarded = await withFake(scenario(), { pageSize: 5, logger: capture.logger });
    const read = await readAll(guarded.client);
    expect(new Set(read.map((contact) => contact.contactId))).toEqual(new Set(everyone));
    expect(read).toHaveLength(13); // 100003 twice: as it was, and changed
    expect(capture.text()).toContain('contacts changed while paging');
  });

  it('stops on a short page, and on a full page that reaches total', async () => {
    const short = createFakeConnect({ contacts: sameSecond(7) });
    expect(await readAll((await withFake(short, { pageSize: 5, overlap: 0 })).client)).toHaveLength(7);
    expect(short.calls).toHaveLength(2);

    const exact = createFakeConnect({ contacts: Array.from({ length: 10 }, (_, index) => ({ id: 1 + index, modified: new Date(base + index * SECOND) })) });
    expect(await readAll((await withFake(exact, { pageSize: 5, overlap: 0 })).client)).toHaveLength(10);
    expect(exact.calls).toHaveLength(2);
  });

  it('ends the run when contacts keep changing while paging', async () => {
    const fake = createFakeConnect({ contacts: sameSecond(40) });
    let now = base + 60 * SECOND;
    fake.beforePage = ({ index }) => {
      const victim = fake.contacts.find((contact) => contact.modified.getTime() === base);
      if (index > 0 && victim) fake.modify(victim.id, new Date((now += SECOND)));
    };
    const { client } = await withFake(fake, { pageSize: 5, maxRestarts: 2 });
    await expect(readAll(client)).rejects.toThrow(/^Connect: contacts keep changing while paging: re-read 2 times from ModifiedSince 24 Nov 2026 12:00:00 PM$/);
  });

  it('refuses a page that breaks the contract although the next page was already asked for, and drops that call', async () => {
    const record = (id: number, extra = '') =>
      `<contact><attribute><name>contactid</name><value>${id}</value></attribute><attribute><name>modifieddate</name><value>24 Nov 2026 12:00:0${id} PM</value></attribute>${extra}</contact>`;
    const twice = '<attribute><name>city</name><value>A</value></attribute><attribute><name>city</name><value>B</value></attribute>';
    const first = `<result><code>1</code><returndata><contacts total="10">${[1, 2, 3, 4].map((id) => record(id)).join('')}${record(5, twice)}</contacts></returndata></result>`;
    let secondClosed: Promise<void> | undefined;
    const { client } = await setup((request, res) => {
      if (request.body.includes('<StartingRecord>1</StartingRecord>')) return soapResult('GetFilterContacts', first);
      // The next page (its keys were fine) never gets an answer: the client must not wait for it.
      secondClosed = new Promise((resolve) => res.on('close', () => resolve()));
      return new Promise<undefined>(() => undefined);
    }, { pageSize: 5, overlap: 0 });
    await expect(readAll(client)).rejects.toThrow(/record 5 \(contactid 5\): attribute city appears twice/);
    // Sent or not by then (it may be cancelled before it leaves), the call is not left open.
    await secondClosed;
  });

  it('stops between pages when the signal aborts', async () => {
    const fake = createFakeConnect({ contacts: sameSecond(30) });
    const controller = new AbortController();
    fake.beforePage = ({ index }) => {
      if (index === 2) controller.abort(new Error('stopped by the operator'));
    };
    const { client } = await withFake(fake, { pageSize: 5 });
    await expect(readAll(client, { signal: controller.signal })).rejects.toThrow('stopped by the operator');
    expect(fake.calls.length).toBeLessThanOrEqual(3);
  });
});
