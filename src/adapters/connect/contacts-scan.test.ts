import { describe, expect, it } from 'vitest';
import { createConnectMethods } from '../../sandbox/connect/methods.js';
import { connectClock as sandboxClock } from '../../sandbox/connect/dates.js';
import { resultEnvelope } from '../../sandbox/connect/soap.js';
import { createContactStore } from '../../sandbox/connect/store.js';
import { generateDataset } from '../../sandbox/generate.js';
import { scanContactsAnswer } from './contacts-scan.js';
import { connectClock } from './dates.js';
import { toContact, toWirePage, wirePageFromScan, type WirePage } from './schema.js';
import { escapeXml, readEnvelope, readResult } from './soap.js';
import { utf8FromLatin1 } from '../http/request.js';

const clock = connectClock('America/New_York');
const METHOD = 'GetFilterContacts';

/** A page's contacts as the client converts them (every record, checked). */
function converted(page: WirePage): { total: number; contacts: unknown[] } {
  return { total: page.total, contacts: page.contacts.map((contact) => toContact(contact, clock)) };
}

/** What the general reader makes of an answer: the page, or the error it throws. */
function general(body: string): unknown {
  try {
    const envelope = readEnvelope(body, METHOD);
    if (envelope.kind !== 'result') return { fault: envelope };
    const result = readResult(envelope.document);
    if (result.kind !== 'ok') return { error: result.message };
    return converted(toWirePage(result.returndata, 1));
  } catch (error) {
    return { threw: (error as Error).name, message: (error as Error).message };
  }
}

/** What the fast reader makes of it: undefined when it leaves the answer to the general reader. */
function fast(body: string, options: { latin1?: boolean } = {}): unknown {
  const scanned = scanContactsAnswer(body, options);
  if (scanned === undefined) return undefined;
  try {
    return converted(wirePageFromScan(scanned, 1));
  } catch (error) {
    return { threw: (error as Error).name, message: (error as Error).message };
  }
}

/** A text's UTF-8 bytes, one character each (how the client reads contact pages). */
function latin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function envelope(inner: string, options: { escape?: (text: string) => string; prefix?: string; suffix?: string } = {}): string {
  const escape = options.escape ?? escapeXml;
  return (
    (options.prefix ??
      '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>' +
        `<${METHOD}Response xmlns="http://connect2.askadmissions.net/webservices/"><${METHOD}Result>`) +
    escape(inner) +
    (options.suffix ?? `</${METHOD}Result></${METHOD}Response></soap:Body></soap:Envelope>`)
  );
}

const attr = (name: string, value: string) => `<attribute><name>${name}</name><value>${value}</value></attribute>`;
const contact = (id: string, ...rest: string[]) => `<contact>${attr('contactid', id)}${attr('modifieddate', '24 Nov 2026 01:05:22 PM')}${rest.join('')}</contact>`;
const page = (...contacts: string[]) => `<result><code>1</code><returndata><contacts total="${contacts.length}">${contacts.join('')}</contacts></returndata></result>`;

describe('scanContactsAnswer', () => {
  it('reads the sandbox\'s pages exactly as the general reader does', () => {
    const dataset = generateDataset({ contacts: 3000, seed: 7, now: new Date('2026-11-24T12:00:00Z') });
    const store = createContactStore(dataset.contacts, dataset.filters.map((filter) => filter.id));
    const methods = createConnectMethods({ clientName: 'c', passKey: 'p', dataset, store, clock: sandboxClock(dataset.timeZone), now: () => new Date() });
    const names = dataset.attributes.map((attribute) => `<attribute><name>${attribute.name}</name></attribute>`).join('');
    let contacts = 0;
    for (const filter of dataset.filters) {
      for (let start = 1; start < 3000; start += 500) {
        const params = new Map([
          ['ClientName', 'c'],
          ['PassKey', 'p'],
          ['FilterIdsXml', `<filterids><id>${filter.id}</id></filterids>`],
          ['AttributesXml', `<attributes>${names}</attributes>`],
          ['StartingRecord', String(start)],
          ['EndingRecord', String(start + 499)],
        ]);
        const result = methods.call({ method: METHOD, params });
        expect(result.escapedBytes).toBe(true);
        // The emulator builds a page as its UTF-8 bytes, one per character.
        const body = Buffer.from(resultEnvelope(METHOD, result.document, true), 'latin1').toString('utf8');
        const read = fast(body);
        expect(read).toBeDefined();
        expect(read).toEqual(general(body));
        expect(fast(latin1(body), { latin1: true })).toEqual(read);
        contacts += (read as { contacts: unknown[] }).contacts.length;
      }
    }
    expect(contacts).toBeGreaterThan(1000);
  });

  it.each([
    ['entities in names and values', page(contact('1', attr('firstname', 'Ana &amp; Bo &lt;3 &apos;x&quot; &#233;&#x1F600;')))],
    ['empty and self-closed values, a list without items', page(contact('2', attr('a', ''), '<attribute><name>b</name><value/></attribute>', '<attribute><name>c</name></attribute>'))],
    ['list items', page(contact('3', '<attribute><name>p</name><item><value>BIO</value><display>Biology</display></item><item><value/><display>A &amp; B</display></item></attribute>'))],
    ['no contacts', page()],
    ['an empty contact (no contactid: both refuse it alike)', page('<contact></contact>')],
    ['a bad contactid', page(contact('12a'))],
    ['a bad modifieddate', page(`<contact>${attr('contactid', '5')}${attr('modifieddate', 'yesterday')}</contact>`)],
    ['an attribute twice', page(contact('6', attr('x', '1'), attr('x', '2')))],
    ['spaces inside values', page(contact('7', attr(' firstname ', '  Ana  ')))],
    ['text beyond ASCII', page(contact('9', attr('firstname', 'Thảo Nguyễn 😀 &amp; Zoë'), attr('city', '東京')))],
  ])('reads %s as the general reader does', (_name, inner) => {
    const body = envelope(inner);
    expect(fast(body)).toBeDefined();
    expect(fast(body)).toEqual(general(body));
    // The same answer read as bytes (latin1), as the client reads it.
    expect(fast(latin1(body), { latin1: true })).toEqual(general(body));
  });

  it('decodes broken UTF-8 in a value as reading the whole answer as UTF-8 does', () => {
    const bytes = Buffer.from(envelope(page(contact('10', attr('firstname', 'A__B'), attr('lastname', 'C__')))), 'utf8');
    const broken = Buffer.from(bytes.toString('latin1').replace('A__B', 'A\xff\xc3B').replace('C__', 'C\xe2\x82'), 'latin1');
    const read = fast(broken.toString('latin1'), { latin1: true });
    expect(read).toBeDefined();
    expect(read).toEqual(general(utf8FromLatin1(broken.toString('latin1'))));
    expect(JSON.stringify(read)).toContain('\ufffd');
  });

  it('leaves an answer with a byte order mark to the general reader', () => {
    expect(scanContactsAnswer(`\xef\xbb\xbf${latin1(envelope(page(contact('1'))))}`, { latin1: true })).toBeUndefined();
  });

  it('reads markup escaped the other way (literal > and quotes) as the general reader does', () => {
    const body = envelope(page(contact('8', attr('n', 'x &gt; y'))), { escape: (text) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;') });
    expect(fast(body)).toBeDefined();
    expect(fast(body)).toEqual(general(body));
  });

  it.each([
    ['whitespace between elements', envelope(page(contact('1')).replace('<contact>', '\n  <contact>'))],
    ['a carriage return', envelope(page(contact('1', attr('n', 'a\r\nb'))))],
    ['a character reference at the envelope level', envelope(page(contact('1')), { escape: (text) => escapeXml(text).replace('&lt;code', '&#60;code') })],
    ['CDATA', envelope('', { suffix: `<![CDATA[${page(contact('1'))}]]></${METHOD}Result></${METHOD}Response></soap:Body></soap:Envelope>` })],
    ['a bare ampersand in a value', envelope(page(contact('1', attr('n', 'a & b'))))],
    ['an undefined entity', envelope(page(contact('1', attr('n', '&nbsp;'))))],
    ['an application error', envelope('<result><code>0</code><errormessage>Unknown filter: 9</errormessage></result>')],
    ['a truncated answer', envelope(page(contact('1'))).slice(0, 400)],
    ['an unknown element', envelope(page(contact('1', '<attribute><name>n</name><val>x</val></attribute>')))],
    ['an attribute on a contact', envelope(page(contact('1')).replace('<contact>', '<contact id="1">'))],
    ['a comment', envelope(page(contact('1')).replace('<contact>', '<!-- hi --><contact>'))],
    ['a value and items together', envelope(page(contact('1', '<attribute><name>n</name><value>x</value><item><value>a</value><display>b</display></item></attribute>')))],
    ['a total that is not a number', envelope(page(contact('1')).replace('total="1"', 'total="many"'))],
    ['another method', envelope(page(contact('1'))).replaceAll(`${METHOD}Result`, 'GetAllFiltersResult')],
    ['a document type', `<!DOCTYPE x>${envelope(page(contact('1')))}`],
  ])('leaves %s to the general reader', (_name, body) => {
    expect(scanContactsAnswer(body)).toBeUndefined();
  });
});
