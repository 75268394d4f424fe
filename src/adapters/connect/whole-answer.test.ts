import { describe, expect, it } from 'vitest';
import type { ScannedAttribute } from './contacts-scan.js';
import { UnparseableResponse, readEnvelope, readResult } from './soap.js';
import { createWholeAnswerReader, type WholeAnswerEnd } from './whole-answer.js';
import { createEscapedTextDecoder } from './escaped-text.js';

const NS = 'http://connect2.askadmissions.net/webservices/';

/** Escapes text once (the test's own escaper). */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function envelope(resultText: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\r\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\r\n  <soap:Body>' +
    `<GetFilterContactsResponse xmlns="${NS}"><GetFilterContactsResult>${resultText}</GetFilterContactsResult></GetFilterContactsResponse>` +
    '</soap:Body>\r\n</soap:Envelope>\r\n'
  );
}

const INNER =
  '<result><code>1</code><returndata><contacts total="3">' +
  '<contact><attribute><name>contactid</name><value>100234</value></attribute><attribute><name>modifieddate</name><value>05 Oct 2019 12:00 AM</value></attribute>' +
  '<attribute><name>firstname</name><value>Ana &amp; Zoë &#233; &#x1F600;</value></attribute><attribute><name>note</name><value>line1\r\nline2</value></attribute>' +
  '<attribute><name>program_interest</name><item><value>BIO</value><display>Biology</display></item><item><value>ART</value><display>Art &amp; Design</display></item></attribute>' +
  '<attribute><name>sms_status</name><value/></attribute></contact>' +
  '<contact><attribute><name>contactid</name><value>100235</value></attribute><attribute><name>modifieddate</name><value>24 Nov 2026 01:05:22 PM</value></attribute>' +
  '<attribute><name>firstname</name><value><![CDATA[<b>Bo</b> & co]]></value></attribute><attribute><name>program_interest</name></attribute></contact>' +
  '<contact><attribute><name>contactid</name><value>100236</value></attribute><attribute><name>modifieddate</name><value>24 Nov 2026 01:05:22 PM</value></attribute></contact>' +
  '</contacts></returndata></result>';

/** Reads `body` fed in pieces cut at `cuts`. */
function readIn(body: string, cuts: number[]): { contacts: ScannedAttribute[][]; end: WholeAnswerEnd } {
  const contacts: ScannedAttribute[][] = [];
  const reader = createWholeAnswerReader((attributes) => contacts.push(attributes));
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    reader.write(body.slice(from, cut));
    from = cut;
  }
  return { contacts, end: reader.end() };
}

/** What the general (non-streamed) reader makes of the same answer, shaped as the streamed one. */
function general(body: string): ScannedAttribute[][] {
  const result = readResult((readEnvelope(body, 'GetFilterContacts') as { document: string }).document);
  const contacts = (result as { returndata: { contacts: { contact: { attribute: Record<string, unknown>[] }[] } } }).returndata.contacts.contact;
  return contacts.map((contact) =>
    contact.attribute.map((attribute) => {
      const text = (node: unknown): string => (typeof node === 'string' ? node.replace(/&amp;/g, '&').replace(/&#233;/g, 'é').replace(/&#x1F600;/g, '😀') : typeof node === 'object' && node !== null && '#cdata' in node ? String((node as Record<string, unknown>)['#cdata']) : '');
      const shaped: ScannedAttribute = { name: text(attribute.name) };
      if ('value' in attribute) shaped.value = text(attribute.value);
      if ('item' in attribute) shaped.item = (attribute.item as Record<string, unknown>[]).map((item) => ({ value: text(item.value), display: text(item.display) }));
      return shaped;
    }),
  );
}

describe('the whole-filter answer, streamed', () => {
  const escaped = envelope(esc(INNER));
  const inCdata = envelope(`<![CDATA[${INNER.replace(/<!\[CDATA\[<b>Bo<\/b> & co\]\]>/, '&lt;b&gt;Bo&lt;/b&gt; &amp; co')}]]>`);

  it('reads what the general reader reads', () => {
    const { contacts, end } = readIn(escaped, []);
    expect(end).toEqual({ kind: 'contacts', total: 3, count: 3 });
    expect(contacts).toEqual(general(escaped));
    expect(contacts[0]).toContainEqual({ name: 'firstname', value: 'Ana & Zoë é 😀' });
    expect(contacts[0]).toContainEqual({ name: 'note', value: 'line1\nline2' });
    expect(contacts[0]).toContainEqual({ name: 'sms_status', value: '' });
    expect(contacts[1]).toContainEqual({ name: 'firstname', value: '<b>Bo</b> & co' });
    expect(contacts[1]).toContainEqual({ name: 'program_interest' });
  });

  it.each([
    ['escaped', escaped],
    ['in CDATA', inCdata],
  ])('reads the same wherever the answer (%s) is cut into two or three pieces', (_name, body) => {
    const expected = readIn(body, []);
    for (let cut = 1; cut < body.length; cut++) {
      expect(readIn(body, [cut])).toEqual(expected);
      expect(readIn(body, [cut, Math.min(body.length, cut + 7)])).toEqual(expected);
    }
  });

  it('never ends well when the answer is cut anywhere', () => {
    const complete = escaped.indexOf('</soap:Envelope>') + '</soap:Envelope>'.length;
    for (let length = 0; length < complete; length++) {
      const body = escaped.slice(0, length);
      const outcome = (() => {
        try {
          return readIn(body, []).end;
        } catch (error) {
          expect(error).toBeInstanceOf(UnparseableResponse);
          return 'unparseable';
        }
      })();
      // Before the result element, the text goes to the general reader (which refuses it).
      if (outcome !== 'unparseable') expect(outcome).toMatchObject({ kind: 'other' });
    }
  });

  it.each([
    ['a total that does not match', esc(INNER.replace('total="3"', 'total="4"')), /3 contacts of a total of 4/],
    ['markup inside the result', INNER, /markup instead of an escaped document/],
    ['a bare ampersand', esc(INNER).replace('&amp;amp;', '&'), /not an XML reference/],
    ['a wrong root', esc(INNER.replace(/^<result>/, '<answer>').replace(/<\/result>$/, '</answer>')), /root is <answer>/],
    ['a forbidden character', esc(INNER).replace('Biology', '&amp;#1;'), /not what the contract says/],
    ['a DTD', esc(`<!DOCTYPE result [<!ENTITY x "y">]>${INNER}`), /not what the contract says/],
    ['code 2', esc(INNER.replace('<code>1</code>', '<code>2</code>')), /not what the contract says|code "2"/],
  ])('refuses %s', (_name, resultText, message) => {
    expect(() => readIn(envelope(resultText), [])).toThrow(message);
  });

  it('hands back an application error, and anything without a result whole', () => {
    const error = esc('<result><code>0</code><errormessage>Passkey is invalid</errormessage></result>');
    expect(readIn(envelope(error), []).end).toEqual({ kind: 'error', message: 'Passkey is invalid' });
    const fault = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>x</faultstring></soap:Fault></soap:Body></soap:Envelope>';
    expect(readIn(fault, [10]).end).toEqual({ kind: 'other', text: fault });
  });

  it('refuses a result element that is not where SOAP puts it', () => {
    const misplaced = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><GetFilterContactsResult>${esc(INNER)}</GetFilterContactsResult></soap:Envelope>`;
    expect(() => readIn(misplaced, [])).toThrow(/not where a SOAP answer has it/);
  });
});

describe('the escaped-text decoder', () => {
  it.each([
    ['a&amp;b&lt;c&gt;d&quot;e&apos;f', 'a&b<c>d"e\'f'],
    ['&#65;&#x42;&#x1F600;', 'AB😀'],
    ['x\r\ny\rz', 'x\ny\nz'],
    ['<![CDATA[a]b]]c&amp;]]>d', 'a]b]]c&amp;d'],
  ])('decodes %j, cut anywhere', (text, expected) => {
    for (let cut = 0; cut <= text.length; cut++) {
      let out = '';
      const decoder = createEscapedTextDecoder((piece) => (out += piece));
      expect(decoder.write(text.slice(0, cut))).toBeUndefined();
      expect(decoder.write(`${text.slice(cut)}</end>`)).toBe('</end>');
      expect(out).toBe(expected);
    }
  });
});
