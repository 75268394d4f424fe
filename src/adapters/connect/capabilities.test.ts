import { describe, expect, it } from 'vitest';
import { planPaging, readWsdl, updateContactGaps, type Capabilities } from './capabilities.js';

/** A WSDL as an .asmx service writes it, with the operations given. */
function wsdl(operations: Record<string, string[]>): string {
  const elements = Object.entries(operations)
    .map(
      ([name, params]) =>
        `<s:element name="${name}"><s:complexType><s:sequence>${params.map((param) => `<s:element minOccurs="0" maxOccurs="1" name="${param}" type="s:string" />`).join('')}</s:sequence></s:complexType></s:element>` +
        `<s:element name="${name}Response"><s:complexType><s:sequence><s:element minOccurs="0" maxOccurs="1" name="${name}Result" type="s:string" /></s:sequence></s:complexType></s:element>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><wsdl:definitions xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"><wsdl:types><s:schema>${elements}</s:schema></wsdl:types><wsdl:message name="x"><wsdl:part name="parameters" element="tns:x" /></wsdl:message></wsdl:definitions>`;
}

const PUBLIC = ['ClientName', 'PassKey', 'FilterIdsXml', 'AttributesXml'];
const UPDATE = ['ClientName', 'PassKey', 'ContactId', 'AttributesXml', 'SourceCode'];

describe('readWsdl', () => {
  it('reads each operation with its parameters, not the answers’ elements as operations of their own', () => {
    const read = readWsdl(wsdl({ GetFilterContacts: [...PUBLIC, 'ModifiedSince'], UpdateContact: UPDATE }));
    expect(read.kind).toBe('read');
    const methods = (read as Extract<Capabilities, { kind: 'read' }>).methods;
    expect(methods.get('GetFilterContacts')).toEqual([...PUBLIC, 'ModifiedSince']);
    expect(methods.get('UpdateContact')).toEqual(UPDATE);
    expect(methods.get('GetFilterContactsResponse')).toEqual(['GetFilterContactsResult']);
  });

  it.each([
    ['an HTML page', '<html><body>Service unavailable', /^not XML/],
    ['plain text', 'Server Error in / Application.', /^not XML/],
    ['XML that is not a WSDL', '<?xml version="1.0"?><html><body/></html>', /^not a WSDL \(its root is <html>\)/],
    ['an empty body', '', /^not (XML|a WSDL)/],
  ])('calls %s unavailable, saying why', (_name, text, reason) => {
    const read = readWsdl(text);
    expect(read.kind).toBe('unavailable');
    expect((read as { reason: string }).reason).toMatch(reason);
  });
});

const read = (operations: Record<string, string[]>): Capabilities => readWsdl(wsdl(operations));

describe('planPaging', () => {
  it.each<[string, Parameters<typeof planPaging>[0], Capabilities | undefined, string, RegExp, boolean]>([
    ['keyset when set', 'keyset', undefined, 'keyset', /^connect\.paging is keyset$/, false],
    ['whole when set', 'whole', read({ GetFilterContacts: [...PUBLIC, 'ModifiedSince', 'StartingRecord', 'EndingRecord'] }), 'whole', /^connect\.paging is whole$/, false],
    ['auto: all three declared', 'auto', read({ GetFilterContacts: [...PUBLIC, 'ModifiedSince', 'StartingRecord', 'EndingRecord'] }), 'keyset', /declares ModifiedSince, StartingRecord and EndingRecord/, false],
    ['auto: none declared', 'auto', read({ GetFilterContacts: PUBLIC }), 'whole', /without ModifiedSince, StartingRecord, EndingRecord$/, false],
    ['auto: one missing', 'auto', read({ GetFilterContacts: [...PUBLIC, 'ModifiedSince', 'StartingRecord'] }), 'whole', /without EndingRecord$/, false],
    ['auto: method not described', 'auto', read({ GetContacts: PUBLIC }), 'keyset', /does not describe GetFilterContacts: keyset, read whole/, true],
    ['auto: WSDL unavailable', 'auto', { kind: 'unavailable', reason: 'HTTP 404' }, 'keyset', /could not be read \(HTTP 404\): keyset, read whole/, true],
  ])('%s', (_name, setting, capabilities, mode, why, warn) => {
    const plan = planPaging(setting, capabilities);
    expect(plan.mode).toBe(mode);
    expect(plan.why).toMatch(why);
    expect(plan.warn).toBe(warn);
  });
});

describe('updateContactGaps', () => {
  it.each<[string, Capabilities, string | undefined]>([
    ['all there', read({ UpdateContact: UPDATE }), undefined],
    ['no method', read({ GetFilterContacts: PUBLIC }), 'the WSDL declares no UpdateContact'],
    ['two missing', read({ UpdateContact: ['ClientName', 'PassKey', 'ContactId'] }), 'UpdateContact in the WSDL lacks AttributesXml, SourceCode'],
    ['WSDL unreadable: nothing to say', { kind: 'unavailable', reason: 'HTTP 404' }, undefined],
  ])('%s', (_name, capabilities, expected) => {
    expect(updateContactGaps(capabilities)).toBe(expected);
  });
});
