import { describe, expect, it } from 'vitest';
import {
  attributeNamesXml,
  attributeValuesXml,
  buildEnvelope,
  decodeEntities,
  escapeXml,
  filterIdsXml,
  leafText,
  readEnvelope,
  readResult,
  UnparseableResponse,
} from './soap.js';

const ENVELOPE_START =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>';
const ENVELOPE_END = '</soap:Body></soap:Envelope>';

function response(method: string, escapedResult: string): string {
  return `${ENVELOPE_START}<${method}Response xmlns="http://connect2.askadmissions.net/webservices/"><${method}Result>${escapedResult}</${method}Result></${method}Response>${ENVELOPE_END}`;
}

describe('escaping', () => {
  it('escapes markup characters and keeps carriage returns', () => {
    expect(escapeXml('a & b < c > d "e" \'f\'\r\n')).toBe('a &amp; b &lt; c &gt; d "e" \'f\'&#13;\n');
  });

  it('builds the inner documents', () => {
    expect(filterIdsXml(70542)).toBe('<filterids><id>70542</id></filterids>');
    expect(attributeNamesXml(['firstname', 'a&b'])).toBe(
      '<attributes><attribute><name>firstname</name></attribute><attribute><name>a&amp;b</name></attribute></attributes>',
    );
    expect(attributeValuesXml({ sms_status: 'Opted <Out> & gone' })).toBe(
      '<attributes><attribute><name>sms_status</name><value>Opted &lt;Out&gt; &amp; gone</value></attribute></attributes>',
    );
  });

  it('builds an envelope whose *Xml parameters are escaped documents', () => {
    expect(buildEnvelope('GetFilterContacts', [['ClientName', 'astronomer'], ['FilterIdsXml', filterIdsXml(7)]])).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
        '<GetFilterContacts xmlns="http://connect2.askadmissions.net/webservices/"><ClientName>astronomer</ClientName>' +
        '<FilterIdsXml>&lt;filterids&gt;&lt;id&gt;7&lt;/id&gt;&lt;/filterids&gt;</FilterIdsXml></GetFilterContacts>' +
        ENVELOPE_END,
    );
  });
});

describe('decodeEntities', () => {
  it.each([
    ['plain', 'plain'],
    ['a &amp; b', 'a & b'],
    ['&lt;x&gt; &quot;q&quot; &apos;s&apos;', '<x> "q" \'s\''],
    ['&amp;lt;', '&lt;'],
    ['&amp;amp;', '&amp;'],
    ['Jos&#233; &#xE9;t&#xe9;', 'José été'],
    ['&#38;amp;', '&amp;'],
    ['&#x1F600;', '😀'],
  ])('decodes %j exactly once', (text, decoded) => {
    expect(decodeEntities(text)).toBe(decoded);
  });

  it.each(['a & b', '&nbsp;', '&copy;', '&#0;', '&#xD800;', '&foo'])('refuses %j', (text) => {
    expect(() => decodeEntities(text)).toThrow(UnparseableResponse);
  });
});

describe('readEnvelope', () => {
  it('returns the Result decoded once', () => {
    const envelope = readEnvelope(response('GetAllFilters', '&lt;result&gt;&lt;v&gt;A &amp;amp; B&lt;/v&gt;&lt;/result&gt;'), 'GetAllFilters');
    expect(envelope).toEqual({ kind: 'result', document: '<result><v>A &amp; B</v></result>' });
  });

  it('accepts the Result as a CDATA section and other envelope prefixes', () => {
    const body =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetAllFiltersResponse xmlns="x">' +
      '<GetAllFiltersResult><![CDATA[<result><code>1</code></result>]]></GetAllFiltersResult></GetAllFiltersResponse></s:Body></s:Envelope>\r\n';
    expect(readEnvelope(body, 'GetAllFilters')).toEqual({ kind: 'result', document: '<result><code>1</code></result>' });
  });

  it('ignores a byte order mark', () => {
    const envelope = readEnvelope(`\uFEFF${response('GetAllFilters', '&lt;result/&gt;')}`, 'GetAllFilters');
    expect(envelope).toEqual({ kind: 'result', document: '<result/>' });
  });

  it.each([
    ['soap:Server', 'server'],
    ['soap:Server.Busy', 'server'],
    ['soap:Client', 'client'],
    ['VersionMismatch', 'other'],
  ])('reads a %s fault', (code, side) => {
    const body = `${ENVELOPE_START}<soap:Fault><faultcode>${code}</faultcode><faultstring>Boom &amp; bust</faultstring></soap:Fault>${ENVELOPE_END}`;
    expect(readEnvelope(body, 'GetAllFilters')).toEqual({ kind: 'fault', code, message: 'Boom & bust', side });
  });

  const complete = response('GetAllFilters', '&lt;result&gt;&lt;code&gt;1&lt;/code&gt;&lt;/result&gt;');
  it.each([
    ['truncated in the result', complete.slice(0, complete.indexOf('&lt;/code'))],
    ['truncated before the end', complete.slice(0, -5)],
    ['truncated at a tag boundary', complete.slice(0, complete.indexOf('</soap:Body>'))],
    ['an HTML page', '<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>'],
    ['HTML without doctype', '<html><body>Error</body></html>'],
    ['empty', ''],
    ['another root', '<Envelope2><Body/></Envelope2>'],
    ['another method', response('GetSourceCodes', '&lt;result/&gt;')],
    ['no Result', `${ENVELOPE_START}<GetAllFiltersResponse xmlns="x"></GetAllFiltersResponse>${ENVELOPE_END}`],
    ['markup instead of an escaped document', response('GetAllFilters', '<result><code>1</code></result>')],
    ['a DTD', `<!DOCTYPE x [<!ENTITY e "boom">]>${complete}`],
  ])('refuses %s', (_what, body) => {
    expect(() => readEnvelope(body, 'GetAllFilters')).toThrow(UnparseableResponse);
  });
});

describe('leafText', () => {
  it.each([
    ['text', 'a &amp; b', 'a & b'],
    ['CDATA', { '#cdata': 'Tom & <Jerry>' }, 'Tom & <Jerry>'],
    ['text and CDATA', { '#text': 'x &lt; ', '#cdata': 'y & z' }, 'x < y & z'],
    ['a leaf with an XML attribute', { '#text': ' kept ', '@_space': 'preserve' }, ' kept '],
  ])('reads %s', (_what, node, text) => {
    expect(leafText(node)).toBe(text);
  });

  it.each([
    ['an element with children', { b: '1' }],
    ['a list', ['a', 'b']],
    ['nothing', undefined],
  ])('has no text for %s', (_what, node) => {
    expect(leafText(node)).toBeUndefined();
  });
});

describe('readResult', () => {
  it('returns returndata on code 1', () => {
    expect(readResult('<result><code>1</code><returndata><x>1</x></returndata></result>')).toEqual({ kind: 'ok', returndata: { x: '1' } });
  });

  it('returns the decoded message on code 0', () => {
    expect(readResult('<result><code>0</code><errormessage>Unknown filter: 5 &amp; more</errormessage></result>')).toEqual({
      kind: 'error',
      message: 'Unknown filter: 5 & more',
    });
  });

  it.each([
    ['code 2', '<result><code>2</code></result>'],
    ['no code', '<result><returndata/></result>'],
    ['code 1 without returndata', '<result><code>1</code></result>'],
    ['another root', '<answer><code>1</code><returndata/></answer>'],
    ['unclosed', '<result><code>1</code><returndata><contacts total="1">'],
    ['mismatched tags', '<result><code>1</code><returndata><a></b></returndata></result>'],
    ['not XML', 'Service Unavailable'],
    ['a DTD', '<!DOCTYPE result [<!ENTITY e "x">]><result><code>1</code><returndata>&e;</returndata></result>'],
  ])('refuses %s', (_what, document) => {
    expect(() => readResult(document)).toThrow(UnparseableResponse);
  });
});
