/**
 * Hostile answers to GetFilterContacts for the bad-input tests, each built from the real
 * answer (see hostile-proxy.ts): wrong roots, broken records, entity tricks, deep nesting,
 * invalid UTF-8, pages that contradict themselves, and seeded random corruption. Each
 * case says what connect-sync must make of it: refuse the run (exit 3), import the same
 * data (the encoding differs, the data does not), or either, as long as nothing is lost.
 */
import type { CannedResponse } from '../support/http-server.js';
import type { Random } from '../../src/sandbox/random.js';
import { innerDocument, rawXml, withInner, type Exchange, type Tamper } from './hostile-proxy.js';

export type Verdict = 'refused' | 'same-data' | 'either';

export interface HostileCase {
  name: string;
  verdict: Verdict;
  tamper: Tamper;
}

/** A GetFilterContacts page taken apart: what comes before the records, `total`, each record, what follows. */
interface Page {
  head: string;
  total: number;
  records: string[];
  tail: string;
}

const PAGE = /^([\s\S]*?<contacts total=")(\d+)(">)([\s\S]*?)(<\/contacts>[\s\S]*)$/;

function takeApart(inner: string): Page | undefined {
  const match = PAGE.exec(inner);
  if (!match) return undefined;
  const records = match[4]!.split('</contact>').filter((part) => part.includes('<contact>')).map((part) => `${part}</contact>`);
  return { head: match[1]!, total: Number(match[2]), records, tail: `${match[3]}|${match[5]}` };
}

function putTogether(page: Page, total: string | number = page.total): string {
  const [open, close] = page.tail.split('|') as [string, string];
  return `${page.head}${total}${open}${page.records.join('')}${close}`;
}

/**
 * Rewrites the `index`-th GetFilterContacts answer of the run (one with records) with
 * `change`, and the answer to every repeat of that request (a client retries what it
 * could not parse); every other exchange passes. `change` gets the page apart and returns
 * the new inner document, or a whole answer.
 */
export function onPage(index: number, change: (page: Page, exchange: Exchange) => string | CannedResponse): Tamper {
  let pagesWithRecords = 0;
  let target: string | undefined;
  return (exchange) => {
    if (exchange.operation !== 'GetFilterContacts' || exchange.status !== 200) return 'pass';
    const inner = innerDocument(exchange);
    const page = inner === undefined ? undefined : takeApart(inner);
    if (!page || page.records.length === 0) return 'pass';
    if (target === undefined && pagesWithRecords++ === index) target = exchange.request.body;
    if (exchange.request.body !== target) return 'pass';
    const changed = change(page, exchange);
    return typeof changed === 'string' ? withInner(exchange, changed) : changed;
  };
}

/** Every GetFilterContacts answer (with records) rewritten at the byte level, as written to the wire. */
function onWire(change: (body: string, exchange: Exchange) => string | Buffer): Tamper {
  return (exchange, res) => {
    if (exchange.operation !== 'GetFilterContacts' || exchange.status !== 200 || !exchange.body.includes('&lt;contact&gt;')) return 'pass';
    return rawXml(change(exchange.body, exchange), res);
  };
}

/** Replaces a record's attribute value (`name`) by `value`, written verbatim (not escaped). */
function setValue(record: string, name: string, value: string): string {
  return record.replace(new RegExp(`(<attribute><name>${name}</name>)<value>[^<]*</value>`), `$1<value>${value}</value>`);
}

function dropAttribute(record: string, name: string): string {
  return record.replace(new RegExp(`<attribute><name>${name}</name>(?:<value>[^<]*</value>|<value/>)</attribute>`), '');
}

const LAUGHS =
  '<!DOCTYPE result [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">' +
  '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>';
const NESTING = 100_000;

/**
 * One record that cannot be read in an otherwise well-formed page (product.md §8): an
 * INVALID_RECORD error row, and the run goes on. The record is one in the middle of the
 * page, which paging reads once (the head and tail are re-read to check the order).
 */
export function unreadableRecordCases(): HostileCase[] {
  const page = (name: string, change: (page: Page) => string): HostileCase => ({ name, verdict: 'either', tamper: onPage(1, change) });
  const middle = (page: Page, change: (record: string) => string): Page => {
    const at = Math.floor(page.records.length / 2);
    return { ...page, records: page.records.map((record, index) => (index === at ? change(record) : record)) };
  };
  return [
    page('a record without contactid', (p) => putTogether(middle(p, (record) => dropAttribute(record, 'contactid')))),
    page('a non-numeric contactid', (p) => putTogether(middle(p, (record) => setValue(record, 'contactid', 'A-100234')))),
    page('contactid 0', (p) => putTogether(middle(p, (record) => setValue(record, 'contactid', '0')))),
    page('a contactid beyond 2^53', (p) => putTogether(middle(p, (record) => setValue(record, 'contactid', '123456789012345678901234567890')))),
    page('an unparseable modifieddate', (p) => putTogether(middle(p, (record) => setValue(record, 'modifieddate', 'yesterday at noon')))),
    page('a record without modifieddate', (p) => putTogether(middle(p, (record) => dropAttribute(record, 'modifieddate')))),
    page('an undefined entity in a value', (p) => putTogether(middle(p, (record) => setValue(record, 'firstname', 'Ana &nbsp; Lopez')))),
    page('a character reference to U+0000', (p) => putTogether(middle(p, (record) => setValue(record, 'firstname', 'Ana&#0;')))),
    page('a character reference to a lone surrogate', (p) => putTogether(middle(p, (record) => setValue(record, 'lastname', '&#xD800;')))),
  ];
}

/** The cases where connect-sync must refuse the run: the answer breaks the contract. */
export function refusedCases(): HostileCase[] {
  const refuse = (name: string, tamper: Tamper): HostileCase => ({ name, verdict: 'refused', tamper });
  const page = (name: string, change: (page: Page, exchange: Exchange) => string | CannedResponse) => refuse(name, onPage(1, change));
  const first = (page: Page, change: (record: string) => string): Page => ({ ...page, records: [change(page.records[0]!), ...page.records.slice(1)] });
  return [
    page('the inner document has another root', (p) => putTogether(p).replace('<result>', '<answer>').replace('</result>', '</answer>')),
    page('returndata holds <people> instead of <contacts>', (p) => putTogether(p).replaceAll('<contacts', '<people').replace('</contacts>', '</people>')),
    page('code 1 without returndata', () => '<result><code>1</code></result>'),
    page('code 2', (p) => putTogether(p).replace('<code>1</code>', '<code>2</code>')),
    page('an application error', () => '<result><code>0</code><errormessage>Database is in single-user mode</errormessage></result>'),
    page('total is missing', (p) => putTogether(p).replace(/ total="\d+"/, '')),
    page('total is negative', (p) => putTogether(p, -5)),
    page('total is not a number', (p) => putTogether(p, 'lots')),
    page('an attribute given twice', (p) => putTogether(first(p, (record) => record.replace('</contact>', '<attribute><name>city</name><value>Twice</value></attribute><attribute><name>city</name><value>Thrice</value></attribute></contact>')))),
    page('more records than asked for', (p) => putTogether({ ...p, records: [...p.records, ...p.records, ...p.records].map((record, index) => setValue(record, 'contactid', String(900_000 + index))) })),
    // At the end of the page: its head repeats records already read, and a change there makes the client re-read (safely).
    page('a contact twice in one page, in place of another', (p) => putTogether({ ...p, records: [...p.records.slice(0, -2), p.records.at(-1)!, p.records.at(-1)!] })),
    page('a short page while total says more remain', (p) => putTogether({ ...p, records: [...p.records.slice(0, -3), ...p.records.slice(-2, -1)] }, p.total + 50)),
    page('records past the total', (p) => putTogether(p, 1)),
    page('billion laughs in the inner document', (p) => `${LAUGHS}${putTogether(first(p, (record) => setValue(record, 'firstname', '&f;')))}`),
    page('an external entity in the inner document', (p) => `<!DOCTYPE result [<!ENTITY x SYSTEM "file:///etc/passwd">]>${putTogether(first(p, (record) => setValue(record, 'firstname', '&x;')))}`),
    page('deeply nested elements in a value', (p) => putTogether(first(p, (record) => setValue(record, 'city', `${'<x>'.repeat(NESTING)}deep${'</x>'.repeat(NESTING)}`)))),
    page('deeply nested records', (p) => putTogether({ ...p, records: [`${'<contact>'.repeat(NESTING)}${'</contact>'.repeat(NESTING)}`, ...p.records.slice(1)] })),
    page('the result element holds markup', (p, exchange) => ({
      status: 200,
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: withInner(exchange, 'x').body!.replace('>x<', `>${putTogether(p)}<`),
    })),
    refuse('billion laughs in the envelope', onWire((body) => body.replace(/^(<\?xml[^>]*\?>)?/, `$1${LAUGHS.replace('result', 'soap:Envelope')}`))),
    refuse('deeply nested envelope', onWire((body) => body.replace('<soap:Body>', `<soap:Body>${'<x>'.repeat(NESTING)}${'</x>'.repeat(NESTING)}`))),
    refuse('an HTML page with 200', onWire(() => '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>')),
    refuse('an empty body with 200', onWire(() => '')),
    refuse('every answer cut in half', onWire((body) => body.slice(0, Math.floor(body.length / 2)))),
    refuse('a soap:Client fault', (exchange, res) =>
      exchange.operation === 'GetFilterContacts'
        ? rawXml(
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Bad request</faultstring></soap:Fault></soap:Body></soap:Envelope>',
            res,
            500,
          )
        : 'pass'),
    refuse('HTTP 404 for the endpoint', (exchange) => (exchange.operation === 'GetFilterContacts' ? { status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>Not Found</h1>' } : 'pass')),
  ];
}

/** The cases where the encoding differs and the data does not: the import must give Cadence exactly the same. */
export function sameDataCases(): HostileCase[] {
  const same = (name: string, change: (page: Page) => string): HostileCase => ({ name, verdict: 'same-data', tamper: onPage(1, change) });
  const eachRecord = (page: Page, change: (record: string) => string) => putTogether({ ...page, records: page.records.map(change) });
  return [
    same('letters as character references', (p) => eachRecord(p, (record) => record.replace(/<name>lastname<\/name><value>([A-Za-z])/, (_m, letter: string) => `<name>lastname</name><value>&#${letter.charCodeAt(0)};`))),
    same('values in CDATA sections', (p) =>
      eachRecord(p, (record) => record.replace(/<name>city<\/name><value>([^<]+)<\/value>/, (_m, value: string) => `<name>city</name><value><![CDATA[${unescapeText(value)}]]></value>`)),
    ),
    same('comments and whitespace between elements', (p) => eachRecord(p, (record) => record.replaceAll('<attribute>', '\n  <!-- attribute -->\n  <attribute>'))),
    same('an XML declaration on the inner document', (p) => `<?xml version="1.0" encoding="utf-8"?>\n${putTogether(p)}`),
    same('attributes in another order', (p) => eachRecord(p, (record) => {
      const attributes = record.slice('<contact>'.length, -'</contact>'.length).split('</attribute>').filter(Boolean).map((part) => `${part}</attribute>`);
      return `<contact>${attributes.reverse().join('')}</contact>`;
    })),
    same('attributes nobody asked for', (p) => eachRecord(p, (record) => record.replace('</contact>', '<attribute><name>ssn</name><value>000-00-0000</value></attribute></contact>'))),
    same('a total far above the records', (p) => putTogether(p, p.total + 100_000)),
  ];
}

/** Cases where refusing and importing are both right, as long as nothing is lost and nothing crashes. */
export function eitherCases(random: Random, fuzzed: number): HostileCase[] {
  const either = (name: string, tamper: Tamper): HostileCase => ({ name, verdict: 'either', tamper });
  const cases = [
    either('invalid UTF-8 in a first name', onWire((body) => {
      const marker = '&lt;name&gt;firstname&lt;/name&gt;&lt;value&gt;';
      const at = body.indexOf(marker) + marker.length;
      if (at < marker.length) return body;
      return Buffer.concat([Buffer.from(body.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(body.slice(at))]);
    })),
    either('a first name of two megabytes', onPage(1, (p) => putTogether({ ...p, records: [setValue(p.records[0]!, 'firstname', 'A'.repeat(2 * 1024 * 1024)), ...p.records.slice(1)] }))),
  ];
  for (let index = 0; index < fuzzed; index++) {
    const seed = random.int(1, 2 ** 31);
    const layer = random.pick(['inner', 'wire'] as const);
    cases.push(either(`random corruption #${index + 1} of the ${layer === 'inner' ? 'inner document' : 'SOAP body'} (seed ${seed})`, layer === 'inner' ? onPage(random.int(0, 1), (p) => corrupt(putTogether(p), seed)) : onWire((body) => corrupt(body, seed))));
  }
  return cases;
}

/** The text an element's escaped content stands for (the five predefined entities). */
function unescapeText(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_m, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);
}

const NOISE = ['<', '>', '&', '"', "'", '/', '&amp;', '&lt;', ']]>', '<![CDATA[', '\u0000', '\uFFFF', '\uD800', '\u00e9', '9', ' ', '\n', '</contact>', '<contact>', '<value>', '</value>'];

/** A few seeded edits of a text: deletions, repeats, swaps and inserted noise. */
export function corrupt(text: string, seed: number): string {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  let out = text;
  const edits = 1 + int(4);
  for (let edit = 0; edit < edits; edit++) {
    const at = int(out.length);
    const length = 1 + int(40);
    switch (int(4)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + length);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at, at + length).repeat(2) + out.slice(at + length);
        break;
      case 2:
        out = out.slice(0, at) + NOISE[int(NOISE.length)]! + out.slice(at);
        break;
      default: {
        const other = int(out.length);
        const [a, b] = at < other ? [at, other] : [other, at];
        out = out.slice(0, a) + out.slice(b, b + length) + out.slice(a + length, b) + out.slice(a, a + length) + out.slice(b + length);
      }
    }
  }
  return out;
}
