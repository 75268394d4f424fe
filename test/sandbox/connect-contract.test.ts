/**
 * The Connect emulator against connect-api.md, over real HTTP with hand-written SOAP
 * envelopes (deliberately not the real client), parsed with fast-xml-parser directly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import type { AttributeValue } from '../../src/core/types.js';
import { generateDataset, type SandboxContact, type SandboxDataset } from '../../src/sandbox/generate.js';
import { startConnectEmulator, type ConnectEmulator, type ConnectEmulatorOptions } from '../../src/sandbox/connect/index.js';

const NS = 'http://connect2.askadmissions.net/webservices/';
const PASS_KEY = 's3cret-pass-key';
const NOW = new Date('2026-11-25T15:00:00Z');
const A = 70542;
const B = 70611;

const running: ConnectEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function start(dataset: SandboxDataset, options: Partial<ConnectEmulatorOptions> = {}): Promise<ConnectEmulator> {
  const emulator = await startConnectEmulator({ clientName: 'astronomer', passKey: PASS_KEY, dataset, now: () => NOW, ...options });
  running.push(emulator);
  return emulator;
}

/** The test's own escaper, independent of the emulator's. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function envelope(method: string, params: Record<string, string | undefined>): string {
  const children = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<${name}>${esc(value!)}</${name}>`)
    .join('\n      ');
  return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <${method} xmlns="${NS}">
      ${children}
    </${method}>
  </soap:Body>
</soap:Envelope>`;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

async function post(url: string, method: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${NS}${method}"`, ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function call(emulator: ConnectEmulator, method: string, params: Record<string, string | undefined> = {}): Promise<Reply> {
  return post(emulator.url, method, envelope(method, { ClientName: 'astronomer', PassKey: PASS_KEY, ...params }));
}

const outer = new XMLParser({ removeNSPrefix: true, parseTagValue: false, trimValues: false });
const LISTS = new Set(['contact', 'attribute', 'item', 'filter', 'sourcecode']);
const inner = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, isArray: (name) => LISTS.has(name) });

/** The escaped document inside `<Method>Result`, unescaped. */
function resultText(reply: Reply, method: string): string {
  expect(reply.status).toBe(200);
  const result: unknown = outer.parse(reply.text).Envelope.Body[`${method}Response`][`${method}Result`];
  expect(typeof result).toBe('string');
  return result as string;
}

 
function result(reply: Reply, method: string): any {
  return inner.parse(resultText(reply, method)).result;
}

function errorOf(reply: Reply, method: string): string {
  const parsed = result(reply, method);
  expect(parsed.code).toBe('0');
  return parsed.errormessage;
}

function fault(reply: Reply): { code: string; message: string } {
  expect(reply.status).toBe(500);
  const parsed = outer.parse(reply.text).Envelope.Body.Fault;
  return { code: parsed.faultcode, message: parsed.faultstring };
}

interface Row {
  id: string;
  modified: string;
  values: Record<string, string | { value: string; display: string }[]>;
}

function page(reply: Reply): { total: number; rows: Row[] } {
  const parsed = result(reply, 'GetFilterContacts');
  expect(parsed.code).toBe('1');
  const contacts = parsed.returndata.contacts;
   
  const rows = (contacts.contact ?? []).map((contact: any) => {
    const values: Row['values'] = {};
    for (const attribute of contact.attribute) {
      // A list attribute with nothing selected has neither <value> nor <item>.
      values[attribute.name] = attribute.item ? attribute.item.map((item: { value: string; display: string }) => ({ ...item })) : (attribute.value ?? []);
    }
    const { contactid, modifieddate, ...rest } = values;
    return { id: contactid as string, modified: modifieddate as string, values: rest };
  });
  return { total: Number(contacts['@_total']), rows };
}

function getContacts(emulator: ConnectEmulator, params: { filter?: number | string; attributes?: string[]; since?: string; start?: number | string; end?: number | string }): Promise<Reply> {
  return call(emulator, 'GetFilterContacts', {
    FilterIdsXml: `<filterids><id>${params.filter ?? A}</id></filterids>`,
    AttributesXml: `<attributes>${(params.attributes ?? []).map((name) => `<attribute><name>${esc(name)}</name></attribute>`).join('')}</attributes>`,
    ModifiedSince: params.since,
    StartingRecord: String(params.start ?? 1),
    EndingRecord: String(params.end ?? 500),
  });
}

function updateContact(emulator: ConnectEmulator, id: string, values: Record<string, string>, sourceCode = 'CADENCE'): Promise<Reply> {
  const attributes = Object.entries(values)
    .map(([name, value]) => `<attribute><name>${esc(name)}</name><value>${esc(value)}</value></attribute>`)
    .join('');
  return call(emulator, 'UpdateContact', { ContactId: id, AttributesXml: `<attributes>${attributes}</attributes>`, SourceCode: sourceCode });
}

function contact(id: number, iso: string, values: Record<string, AttributeValue | undefined> = {}, filterIds: number[] = [A]): SandboxContact {
  return { id, modifiedAt: Date.parse(iso), filterIds, values: { firstname: `First${id}`, lastname: `Last${id}`, ...values } };
}

function handMade(contacts: SandboxContact[]): SandboxDataset {
  return { ...generateDataset({ contacts: 0, now: NOW }), contacts };
}

const ids = (rows: Row[]) => rows.map((row) => row.id);

describe('catalog methods', () => {
  it('GetAllAttributes lists every attribute with its label and type, including two labelled "Phone"', async () => {
    const emulator = await start(handMade([]));
    const parsed = result(await call(emulator, 'GetAllAttributes'), 'GetAllAttributes');
    expect(parsed.code).toBe('1');
    const attributes = parsed.returndata.attributes.attribute;
    expect(attributes).toContainEqual({ name: 'firstname', mappingname: 'First Name', type: 'text' });
    expect(attributes).toContainEqual({ name: 'program_interest', mappingname: 'Program of Interest', type: 'list' });
    expect(attributes.filter((a: { mappingname: string }) => a.mappingname === 'Phone')).toHaveLength(2);
  });

  it('GetAllFilters and GetSourceCodes list the data set', async () => {
    const emulator = await start(handMade([]));
    const filters = result(await call(emulator, 'GetAllFilters'), 'GetAllFilters').returndata.filters.filter;
    expect(filters).toEqual([
      { id: '70542', name: 'Fall 2027 inquiries' },
      { id: '70611', name: 'Fall 2027 applicants' },
      { id: '70733', name: 'Transfer students' },
    ]);
    const codes = result(await call(emulator, 'GetSourceCodes'), 'GetSourceCodes').returndata.sourcecodes.sourcecode;
    expect(codes).toContainEqual({ code: 'CADENCE', description: 'Changes made by Cadence' });
  });

  it.each(['GetAllAttributes', 'GetAllFilters', 'GetSourceCodes', 'GetFilterContacts', 'UpdateContact'])(
    '%s refuses bad credentials, and no log holds the pass key',
    async (method) => {
      const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]));
      for (const credentials of [
        { ClientName: 'astronomer', PassKey: 'wrong' },
        { ClientName: 'other', PassKey: PASS_KEY },
        { ClientName: 'astronomer', PassKey: undefined },
      ]) {
        const reply = await post(emulator.url, method, envelope(method, credentials));
        expect(errorOf(reply, method)).toBe('Invalid ClientName or PassKey');
      }
      await call(emulator, method);
      expect(JSON.stringify(emulator.requestLog)).not.toContain(PASS_KEY);
      expect(emulator.requestLog.map((entry) => entry.method)).toEqual([method, method, method, method]);
    },
  );
});

describe('GetFilterContacts', () => {
  it('returns contactid, modifieddate and only the requested attributes; lists as items; empty and absent values', async () => {
    const programs = [
      { value: 'BIO', display: 'Biology' },
      { value: 'ART', display: 'Art & Design' },
    ];
    const emulator = await start(
      handMade([
        contact(100234, '2026-11-24T18:05:22Z', { mobilephone: '(404) 555-0134', sms_status: '', program_interest: programs, city: 'Atlanta' }),
        contact(100235, '2026-11-24T18:05:23Z', { mobilephone: undefined, sms_status: 'Opted In', program_interest: [] }),
      ]),
    );
    const reply = await getContacts(emulator, { attributes: ['firstname', 'mobilephone', 'sms_status', 'program_interest'] });
    const { total, rows } = page(reply);
    expect(total).toBe(2);
    expect(rows[0]).toEqual({
      id: '100234',
      modified: '24 Nov 2026 01:05:22 PM',
      values: { firstname: 'First100234', mobilephone: '(404) 555-0134', sms_status: '', program_interest: programs },
    });
    expect(rows[1]!.values).toEqual({ firstname: 'First100235', sms_status: 'Opted In', program_interest: [] });
    const text = resultText(reply, 'GetFilterContacts');
    expect(text).toContain('<attribute><name>sms_status</name><value></value></attribute>');
    expect(text).toContain('<attribute><name>program_interest</name></attribute>');
    expect(text).not.toContain('city');
    expect(text).not.toMatch(/<name>mobilephone<\/name>[^]*<name>mobilephone<\/name>/);
  });

  it('returns every contact when ModifiedSince is empty or absent, and contactid / modifieddate once when asked for', async () => {
    const emulator = await start(handMade([contact(5, '2026-11-20T10:00:00Z'), contact(6, '2026-11-21T10:00:00Z')]));
    for (const since of ['', undefined]) expect(page(await getContacts(emulator, { since })).total).toBe(2);
    const text = resultText(await getContacts(emulator, { attributes: ['contactid', 'modifieddate'] }), 'GetFilterContacts');
    expect(text.match(/<name>contactid<\/name>/g)).toHaveLength(2);
  });

  it('reads ModifiedSince inclusively, to the second', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-24T17:00:04Z'), contact(2, '2026-11-24T17:00:05Z'), contact(3, '2026-11-24T17:00:06Z')]));
    expect(ids(page(await getContacts(emulator, { since: '24 Nov 2026 12:00:05 PM' })).rows)).toEqual(['2', '3']);
    expect(ids(page(await getContacts(emulator, { since: '24 Nov 2026 12:00:04 PM' })).rows)).toEqual(['1', '2', '3']);
    expect(ids(page(await getContacts(emulator, { since: '24 Nov 2026 12:00 PM' })).rows)).toEqual(['1', '2', '3']);
    expect(page(await getContacts(emulator, { since: '24 Nov 2026 12:00:07 PM' })).total).toBe(0);
  });

  it('orders by modifieddate, then contactid as a number', async () => {
    const second = '2026-11-24T17:00:00Z';
    const emulator = await start(
      handMade([contact(1000, second), contact(100, second), contact(99, second), contact(5, '2026-11-24T17:00:01Z'), contact(7, '2026-11-24T16:59:59Z')]),
    );
    expect(ids(page(await getContacts(emulator, {})).rows)).toEqual(['7', '99', '100', '1000', '5']);
  });

  it('serves 1-based inclusive ranges of at most 500 records, with the total over all pages', async () => {
    const contacts = Array.from({ length: 700 }, (_, index) => contact(index + 1, new Date(Date.parse('2026-11-20T00:00:00Z') + index * 1000).toISOString()));
    const emulator = await start(handMade(contacts));
    const first = page(await getContacts(emulator, { start: 1, end: 500 }));
    expect([first.total, first.rows.length, first.rows[0]!.id, first.rows[499]!.id]).toEqual([700, 500, '1', '500']);
    const second = page(await getContacts(emulator, { start: 501, end: 1000 }));
    expect(second.rows.length).toBe(200);
    expect(page(await getContacts(emulator, { start: 3, end: 3 })).rows.map((row) => row.id)).toEqual(['3']);
    expect(errorOf(await getContacts(emulator, { start: 1, end: 501 }), 'GetFilterContacts')).toBe('Record range too large');
    expect(errorOf(await getContacts(emulator, { start: 100, end: 600 }), 'GetFilterContacts')).toBe('Record range too large');
    // Contact 100 was modified at 00:01:39 UTC, 07:01:39 PM the day before in New York.
    const late = page(await getContacts(emulator, { since: '19 Nov 2026 07:01:39 PM', start: 1, end: 10 }));
    expect([late.total, late.rows[0]!.id]).toEqual([700 - 99, '100']);
    const past = await getContacts(emulator, { start: 701, end: 800 });
    expect(page(past)).toEqual({ total: 700, rows: [] });
    expect(resultText(past, 'GetFilterContacts')).toContain('<contacts total="700"></contacts>');
  });

  it.each([
    [{ attributes: ['firstname', 'nosuch'] }, 'Unknown attribute: nosuch'],
    [{ filter: 99999 }, 'Unknown filter: 99999'],
    [{ filter: 'abc' }, 'Unknown filter: abc'],
    [{ since: 'yesterday' }, 'Invalid ModifiedSince: yesterday'],
    [{ since: '2026-11-24T12:00:00Z' }, 'Invalid ModifiedSince: 2026-11-24T12:00:00Z'],
    [{ start: 0 }, 'Invalid StartingRecord: 0'],
    [{ start: 'x' }, 'Invalid StartingRecord: x'],
    [{ end: '' }, 'Invalid EndingRecord: '],
    [{ start: 10, end: 9 }, 'Invalid record range: 10 to 9'],
  ])('answers %j with the application error %j', async (params, message) => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]));
    expect(errorOf(await getContacts(emulator, params), 'GetFilterContacts')).toBe(message);
  });

  it('wants exactly one filter id and well-formed inner documents', async () => {
    const emulator = await start(handMade([]));
    const base = { AttributesXml: '<attributes/>', StartingRecord: '1', EndingRecord: '10' };
    const two = await call(emulator, 'GetFilterContacts', { ...base, FilterIdsXml: `<filterids><id>${A}</id><id>${B}</id></filterids>` });
    expect(errorOf(two, 'GetFilterContacts')).toBe('FilterIdsXml must name exactly one filter');
    const broken = await call(emulator, 'GetFilterContacts', { ...base, FilterIdsXml: '<filterids><id>70542</filterids>' });
    expect(errorOf(broken, 'GetFilterContacts')).toMatch(/^Invalid FilterIdsXml: /);
    const missing = await call(emulator, 'GetFilterContacts', base);
    expect(errorOf(missing, 'GetFilterContacts')).toBe('Missing FilterIdsXml');
  });

  it('resolves a ModifiedSince in the repeated autumn hour to the earlier instant, and writes the second pass as 01:xx', async () => {
    const emulator = await start(
      handMade([
        contact(1, '2026-11-01T04:59:59Z'), // 12:59:59 AM EDT
        contact(2, '2026-11-01T05:30:00Z'), // 01:30 AM EDT, first pass
        contact(3, '2026-11-01T06:10:00Z'), // 01:10 AM EST, second pass
        contact(4, '2026-11-01T06:30:00Z'), // 01:30 AM EST, second pass
      ]),
    );
    const fromOne = page(await getContacts(emulator, { since: '01 Nov 2026 01:00:00 AM' }));
    expect(fromOne.rows.map((row) => [row.id, row.modified])).toEqual([
      ['2', '01 Nov 2026 01:30:00 AM'],
      ['3', '01 Nov 2026 01:10:00 AM'],
      ['4', '01 Nov 2026 01:30:00 AM'],
    ]);
    // 01:45 is read as 05:45 UTC (EDT): both second-pass contacts are later, the first-pass one is not.
    expect(ids(page(await getContacts(emulator, { since: '01 Nov 2026 01:45:00 AM' })).rows)).toEqual(['3', '4']);
    expect(ids(page(await getContacts(emulator, { since: '01 Nov 2026 02:00:00 AM' })).rows)).toEqual([]);
  });

  it('uses the configured zone', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-24T18:05:22Z')]), { timeZone: 'UTC' });
    expect(page(await getContacts(emulator, {})).rows[0]!.modified).toBe('24 Nov 2026 06:05:22 PM');
  });
});

describe('UpdateContact', () => {
  it('writes values, tags them with the source code, and moves the contact to the end of the order', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z'), contact(2, '2026-11-21T10:00:00Z')]));
    const reply = await updateContact(emulator, '1', { sms_status: 'Opted Out' });
    const parsed = result(reply, 'UpdateContact');
    expect(parsed.code).toBe('1');
    expect(parsed.returndata.contact).toEqual([{ id: '1', modifieddate: '25 Nov 2026 10:00:00 AM' }]);
    expect(emulator.updates).toEqual([{ contactId: '1', attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE', at: NOW }]);
    const rows = page(await getContacts(emulator, { attributes: ['sms_status'] })).rows;
    expect(rows.map((row) => [row.id, row.modified, row.values.sms_status])).toEqual([
      ['2', '21 Nov 2026 05:00:00 AM', undefined],
      ['1', '25 Nov 2026 10:00:00 AM', 'Opted Out'],
    ]);
    expect(page(await getContacts(emulator, { since: '25 Nov 2026 10:00:00 AM' })).rows.map((row) => row.id)).toEqual(['1']);
    expect(result(await updateContact(emulator, '2', { entry_term: 'Fall 2028' }, 'WEBFORM'), 'UpdateContact').code).toBe('1');
    expect(emulator.updates[1]?.sourceCode).toBe('WEBFORM');
  });

  it('keeps its time to the second', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]), { now: () => new Date('2026-11-25T15:00:07.900Z') });
    await updateContact(emulator, '1', { sms_status: 'Opted In' });
    expect(emulator.getContact('1')?.modifiedAt).toBe(Date.parse('2026-11-25T15:00:07Z'));
  });

  it.each([
    ['424242', { sms_status: 'Opted Out' }, 'CADENCE', 'Unknown contact: 424242'],
    ['abc', { sms_status: 'Opted Out' }, 'CADENCE', 'Unknown contact: abc'],
    ['1', { sms_status: 'Opted Out' }, 'NOPE', 'Unknown source code: NOPE'],
    ['1', { sms_status: 'Opted Out' }, '', 'Unknown source code: '],
    ['1', { smsstatus: 'Opted Out' }, 'CADENCE', 'Unknown attribute: smsstatus'],
    ['1', { modifieddate: '01 Nov 2026 01:00:00 AM' }, 'CADENCE', 'Attribute cannot be written: modifieddate'],
    ['1', {}, 'CADENCE', 'AttributesXml names no attribute'],
  ])('refuses contact %s %j from %s: %s', async (id, values, sourceCode, message) => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]));
    expect(errorOf(await updateContact(emulator, id, values, sourceCode), 'UpdateContact')).toBe(message);
    expect(emulator.updates).toEqual([]);
    expect(emulator.getContact('1')?.modifiedAt).toBe(Date.parse('2026-11-20T10:00:00Z'));
  });

  it('round-trips special characters through the escaped inner documents', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]));
    const tricky = ` A&B <C> "D" 'E' José Zoë Łukasz Nguyễn &amp; ]]> `;
    const reply = await updateContact(emulator, '1', { firstname: tricky });
    expect(result(reply, 'UpdateContact').code).toBe('1');
    const answer = await getContacts(emulator, { attributes: ['firstname'] });
    expect(page(answer).rows[0]!.values.firstname).toBe(tricky);
    // The inner document is text inside <GetFilterContactsResult>, so its own escapes are escaped again.
    expect(answer.text).toContain('A&amp;amp;B &amp;lt;C&amp;gt;');
    expect(answer.text).toContain('<GetFilterContactsResult>&lt;result&gt;&lt;code&gt;1&lt;/code&gt;&lt;returndata&gt;');
  });

  it('writes list attributes by their stored codes', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]));
    const attributes = '<attributes><attribute><name>program_interest</name><value>BIO</value><value>ART</value></attribute></attributes>';
    const reply = await call(emulator, 'UpdateContact', { ContactId: '1', AttributesXml: attributes, SourceCode: 'CADENCE' });
    expect(result(reply, 'UpdateContact').code).toBe('1');
    expect(page(await getContacts(emulator, { attributes: ['program_interest'] })).rows[0]!.values.program_interest).toEqual([
      { value: 'BIO', display: 'Biology' },
      { value: 'ART', display: 'Art & Design' },
    ]);
    const unknown = attributes.replace('ART', 'XYZ');
    expect(errorOf(await call(emulator, 'UpdateContact', { ContactId: '1', AttributesXml: unknown, SourceCode: 'CADENCE' }), 'UpdateContact')).toBe(
      'Unknown value for program_interest: XYZ',
    );
  });
});

describe('SOAP and HTTP', () => {
  it('answers malformed XML, a non-SOAP body and an unknown method with soap:Client faults', async () => {
    const emulator = await start(handMade([]));
    const malformed = await post(emulator.url, 'GetAllFilters', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>');
    expect(fault(malformed)).toMatchObject({ code: 'soap:Client', message: expect.stringMatching(/^Malformed XML/) });
    expect(fault(await post(emulator.url, 'GetAllFilters', '<hello/>')).code).toBe('soap:Client');
    const undefinedEntity = envelope('GetAllFilters', { ClientName: 'astronomer' }).replace('astronomer', 'astro&bogus;');
    expect(fault(await post(emulator.url, 'GetAllFilters', undefinedEntity)).code).toBe('soap:Client');
    const unknown = await post(emulator.url, 'DeleteEverything', envelope('DeleteEverything', { ClientName: 'astronomer', PassKey: PASS_KEY }));
    expect(fault(unknown)).toEqual({ code: 'soap:Client', message: `Unknown method: {${NS}}DeleteEverything` });
    expect(emulator.requestLog.map((entry) => entry.outcome)).toEqual(['client-fault', 'client-fault', 'client-fault', 'client-fault']);
  });

  it('checks the SOAPAction header, the method namespace and the content type', async () => {
    const emulator = await start(handMade([]));
    const body = envelope('GetAllFilters', { ClientName: 'astronomer', PassKey: PASS_KEY });
    expect(fault(await post(emulator.url, 'GetAllFilters', body, { soapaction: `"${NS}GetSourceCodes"` })).code).toBe('soap:Client');
    expect(fault(await post(emulator.url, 'GetAllFilters', body, { soapaction: '' })).code).toBe('soap:Client');
    expect(fault(await post(emulator.url, 'GetAllFilters', body.replace(NS, 'http://example.com/'))).code).toBe('soap:Client');
    expect(fault(await post(emulator.url, 'GetAllFilters', body, { 'content-type': 'application/json' })).code).toBe('soap:Client');
    // Unquoted SOAPAction is accepted, as ASP.NET does.
    expect(result(await post(emulator.url, 'GetAllFilters', body, { soapaction: `${NS}GetAllFilters` }), 'GetAllFilters').code).toBe('1');
    // A prefixed method element with unqualified parameters: document/literal reads no parameters.
    const unqualified = body.replace(`<GetAllFilters xmlns="${NS}">`, `<c:GetAllFilters xmlns:c="${NS}">`).replace('</GetAllFilters>', '</c:GetAllFilters>');
    expect(errorOf(await post(emulator.url, 'GetAllFilters', unqualified), 'GetAllFilters')).toBe('Invalid ClientName or PassKey');
  });

  it('does not accept GET (405) and serves nothing outside its path (404)', async () => {
    const emulator = await start(handMade([]));
    const get = await fetch(emulator.url);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    await get.text();
    const elsewhere = await fetch(emulator.url.replace('bridge.asmx', 'other.asmx'), { method: 'POST', body: '' });
    expect(elsewhere.status).toBe(404);
    await elsewhere.text();
    expect(emulator.requestLog.map((entry) => entry.outcome)).toEqual(['method-not-allowed', 'not-found']);
  });

  it('logs what each GetFilterContacts asked for', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]));
    await getContacts(emulator, { since: '20 Nov 2026 05:00:00 AM', start: 1, end: 200 });
    await getContacts(emulator, { start: 1, end: 900 });
    expect(emulator.requestLog).toMatchObject([
      { method: 'GetFilterContacts', outcome: 'ok', status: 200, filterId: A, modifiedSince: '20 Nov 2026 05:00:00 AM', startingRecord: 1, endingRecord: 200 },
      { method: 'GetFilterContacts', outcome: 'application-error', error: 'Record range too large', endingRecord: 900 },
    ]);
  });
});

describe('the live data', () => {
  it('moves a contact modified between two pages to the end (the hazard keyset paging avoids)', async () => {
    const emulator = await start(handMade([1, 2, 3, 4, 5].map((id) => contact(id, `2026-11-20T10:00:0${id}Z`))));
    const stop = emulator.onBetweenPages((served) => {
      if (served.startingRecord === 1) emulator.modifyContacts(['2'], { sms_status: 'Opted Out' }, new Date('2026-11-25T09:00:00Z'));
    });
    expect(ids(page(await getContacts(emulator, { start: 1, end: 2 })).rows)).toEqual(['1', '2']);
    stop();
    const next = page(await getContacts(emulator, { start: 3, end: 4 }));
    expect([next.total, ids(next.rows)]).toEqual([5, ['4', '5']]); // 3 was skipped by offset paging
    const last = page(await getContacts(emulator, { start: 5, end: 6, attributes: ['sms_status'] }));
    expect(last.rows).toEqual([{ id: '2', modified: '25 Nov 2026 04:00:00 AM', values: { sms_status: 'Opted Out' } }]);
    // Keyset paging from the last date seen finds the skipped contact.
    expect(ids(page(await getContacts(emulator, { since: '20 Nov 2026 05:00:02 AM', start: 1, end: 500 })).rows)).toEqual(['3', '4', '5', '2']);
  });

  it('gives many contacts one modifieddate in a bulk update, ordered by id across pages', async () => {
    const dataset = generateDataset({ contacts: 3000, seed: 7, now: NOW });
    const emulator = await start(dataset);
    const chosen = dataset.contacts.filter((c) => c.filterIds.includes(B)).slice(0, 620).map((c) => String(c.id));
    const at = new Date('2026-11-25T16:00:00Z'); // after every generated date
    emulator.bulkUpdate([...chosen].reverse(), at, { entry_term: 'Spring 2028' });
    const since = '25 Nov 2026 11:00:00 AM';
    const first = page(await getContacts(emulator, { filter: B, since, start: 1, end: 500, attributes: ['entry_term'] }));
    const second = page(await getContacts(emulator, { filter: B, since, start: 501, end: 1000, attributes: ['entry_term'] }));
    expect(first.total).toBe(620);
    expect([...ids(first.rows), ...ids(second.rows)]).toEqual(chosen);
    expect(new Set([...first.rows, ...second.rows].map((row) => `${row.modified}|${row.values.entry_term}`))).toEqual(
      new Set(['25 Nov 2026 11:00:00 AM|Spring 2028']),
    );
    expect(emulator.getContact(chosen[0]!)?.values.entry_term).toBe('Spring 2028');
  });
});

describe('determinism and injected failures', () => {
  async function replay(emulator: ConnectEmulator): Promise<string[]> {
    const seen: string[] = [];
    for (let start = 1; start <= 1200; start += 100) {
      const reply = await getContacts(emulator, { filter: A, start, end: start + 99, attributes: ['firstname', 'mobilephone', 'program_interest'] });
      seen.push(`${reply.status} ${reply.headers.get('retry-after')} ${reply.text}`);
    }
    return seen;
  }

  it('serves identical responses from two emulators with the same seed, faults included', async () => {
    const knobs = { failure503Share: 0.2, faultShare: 0.2, truncatedShare: 0.2, retryAfterSeconds: 2 };
    const one = await start(generateDataset({ seed: 11, now: NOW }), { seed: 5, knobs });
    const two = await start(generateDataset({ seed: 11, now: NOW }), { seed: 5, knobs });
    const [a, b] = [await replay(one), await replay(two)];
    expect(a).toEqual(b);
    expect(new Set(a.map((line) => line.slice(0, 3)))).toEqual(new Set(['200', '503', '500']));
    const other = await start(generateDataset({ seed: 11, now: NOW }), { seed: 6, knobs });
    expect(await replay(other)).not.toEqual(a);
    one.reseed(5);
    expect(await replay(one)).toEqual(a);
  });

  it('answers 503 with Retry-After, soap:Server faults and truncated bodies as the knobs say', async () => {
    const emulator = await start(handMade([contact(1, '2026-11-20T10:00:00Z')]), { knobs: { failure503Share: 1, retryAfterSeconds: 7 } });
    const overloaded = await call(emulator, 'GetAllFilters');
    expect([overloaded.status, overloaded.headers.get('retry-after')]).toEqual([503, '7']);
    emulator.knobs.retryAfterSeconds = undefined;
    expect((await call(emulator, 'GetAllFilters')).headers.get('retry-after')).toBeNull();
    Object.assign(emulator.knobs, { failure503Share: 0, faultShare: 1 });
    expect(fault(await call(emulator, 'GetAllFilters')).code).toBe('soap:Server');
    Object.assign(emulator.knobs, { faultShare: 0, truncatedShare: 1 });
    const full = (await start(handMade([contact(1, '2026-11-20T10:00:00Z')]))).url;
    const whole = await post(full, 'GetAllFilters', envelope('GetAllFilters', { ClientName: 'astronomer', PassKey: PASS_KEY }));
    const cut = await call(emulator, 'GetAllFilters');
    expect(cut.status).toBe(200);
    expect(whole.text.startsWith(cut.text)).toBe(true);
    expect(cut.text.length).toBeLessThan(whole.text.length);
    expect(cut.text).not.toContain('</soap:Envelope>');
    // A truncated UpdateContact still took effect: only the answer was lost.
    await updateContact(emulator, '1', { sms_status: 'Opted Out' });
    expect(emulator.getContact(1)?.values.sms_status).toBe('Opted Out');
    expect(emulator.requestLog.map((entry) => entry.outcome)).toEqual(['overloaded', 'overloaded', 'server-fault', 'truncated', 'truncated']);
  });
});

/** The parameters the WSDL declares for each operation, read with the test's own parser. */
async function wsdlOperations(emulator: ConnectEmulator, query = '?WSDL'): Promise<Record<string, string[]>> {
  const reply = await fetch(`${emulator.url}${query}`);
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/xml/);
  const parsed = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, isArray: (name) => name === 'element' }).parse(await reply.text());
  const operations: Record<string, string[]> = {};
  for (const element of parsed.definitions.types.schema.element) {
    const sequence = element.complexType?.sequence?.element ?? [];
    if (!String(element['@_name']).endsWith('Response')) operations[element['@_name']] = sequence.map((param: Record<string, string>) => param['@_name']);
  }
  return operations;
}

describe('the WSDL (GET ?WSDL)', () => {
  it('declares every method with its parameters, the three paging parameters on GetFilterContacts', async () => {
    const emulator = await start(handMade([]));
    const operations = await wsdlOperations(emulator);
    expect(operations.GetFilterContacts).toEqual(['ClientName', 'PassKey', 'FilterIdsXml', 'AttributesXml', 'ModifiedSince', 'StartingRecord', 'EndingRecord']);
    expect(operations.UpdateContact).toEqual(['ClientName', 'PassKey', 'ContactId', 'AttributesXml', 'SourceCode']);
    expect(Object.keys(operations).sort()).toEqual(['GetAllAttributes', 'GetAllFilters', 'GetFilterContacts', 'GetSourceCodes', 'UpdateContact']);
    expect(await wsdlOperations(emulator, '?wsdl')).toEqual(operations);
    expect(emulator.requestLog.map((entry) => [entry.method, entry.status])).toEqual([
      ['WSDL', 200],
      ['WSDL', 200],
    ]);
  });

  it('can stand for an instance whose WSDL cannot be read: 404, or a page that is not XML', async () => {
    const missing = await start(handMade([]), { wsdl: 'not-found' });
    expect((await fetch(`${missing.url}?WSDL`)).status).toBe(404);
    const garbled = await start(handMade([]), { wsdl: 'not-xml' });
    const reply = await fetch(`${garbled.url}?WSDL`);
    expect(reply.status).toBe(200);
    expect(await reply.text()).not.toMatch(/<\/html>|definitions/);
  });
});

describe('the public-evidence profile', () => {
  const rows = [
    contact(100003, '2026-11-20T10:00:07Z'),
    contact(100001, '2026-11-22T10:00:59Z'),
    contact(100002, '2026-11-21T10:00:00Z'),
    contact(100004, '2026-11-23T10:30:30Z'),
    contact(100005, '2026-11-19T10:30:30Z'),
  ];

  it('declares GetFilterContacts with the four public parameters only', async () => {
    const emulator = await start(handMade(rows), { profile: 'public' });
    const operations = await wsdlOperations(emulator);
    expect(operations.GetFilterContacts).toEqual(['ClientName', 'PassKey', 'FilterIdsXml', 'AttributesXml']);
    expect(operations.UpdateContact).toEqual(['ClientName', 'PassKey', 'ContactId', 'AttributesXml', 'SourceCode']);
  });

  it('ignores the paging parameters and answers the whole filter, unsorted, dated without seconds', async () => {
    const emulator = await start(handMade(rows), { profile: 'public' });
    const paged = page(await getContacts(emulator, { since: '22 Nov 2026 05:00:00 AM', start: 2, end: 3, attributes: ['firstname'] }));
    const plain = page(
      await call(emulator, 'GetFilterContacts', {
        FilterIdsXml: `<filterids><id>${A}</id></filterids>`,
        AttributesXml: '<attributes><attribute><name>firstname</name></attribute></attributes>',
      }),
    );
    expect(paged).toEqual(plain);
    expect(plain.total).toBe(5);
    expect(ids(plain.rows).sort()).toEqual(['100001', '100002', '100003', '100004', '100005']);
    const sortedByDate = [...plain.rows].sort((a, b) => Date.parse(a.modified) - Date.parse(b.modified));
    expect(ids(plain.rows)).not.toEqual(ids(sortedByDate));
    expect(ids(plain.rows)).not.toEqual([...ids(plain.rows)].sort());
    // Local time in New York, to the minute.
    expect(plain.rows.find((row) => row.id === '100001')?.modified).toBe('22 Nov 2026 05:00 AM');
    expect(plain.rows.find((row) => row.id === '100004')?.modified).toBe('23 Nov 2026 05:30 AM');
    expect(plain.rows.find((row) => row.id === '100001')?.values).toEqual({ firstname: 'First100001' });
  });

  it('says "Passkey is invalid" to bad credentials', async () => {
    const emulator = await start(handMade(rows), { profile: 'public' });
    const reply = await post(emulator.url, 'GetAllFilters', envelope('GetAllFilters', { ClientName: 'astronomer', PassKey: 'wrong' }));
    expect(errorOf(reply, 'GetAllFilters')).toBe('Passkey is invalid');
  });

  it('streams a large filter in pieces and cuts it part-way when truncated', async () => {
    const many = Array.from({ length: 1200 }, (_, index) => contact(200_000 + index, '2026-11-20T10:00:00Z'));
    const emulator = await start(handMade(many), { profile: 'public' });
    const whole = await getContacts(emulator, { attributes: ['firstname'] });
    expect(whole.headers.get('transfer-encoding')).toBe('chunked');
    expect(new Set(ids(page(whole).rows)).size).toBe(1200);
    emulator.knobs.truncatedShare = 1;
    const cut = await getContacts(emulator, { attributes: ['firstname'] });
    expect(cut.status).toBe(200);
    expect(cut.text.length).toBeLessThan(whole.text.length);
    expect(cut.text).not.toContain('</soap:Envelope>');
    expect(emulator.requestLog.map((entry) => entry.outcome)).toEqual(['ok', 'truncated']);
  });
});
