/**
 * The WSDL an `.asmx` service serves at `GET {endpoint}?WSDL` (connect-api.md
 * "Capabilities"): each operation as a top-level `<s:element>` whose sequence lists its
 * parameters. The two profiles differ in GetFilterContacts: a public-evidence instance
 * declares only the four public parameters.
 */
import { CONNECT_NS } from './soap.js';

export type ConnectProfile = 'paged' | 'public';

/** What `GET ?WSDL` answers: the document, a 404 page, or a 200 that is not XML. */
export type WsdlServed = 'served' | 'not-found' | 'not-xml';

const CREDENTIALS = ['ClientName', 'PassKey'];
const PAGING = ['ModifiedSince', 'StartingRecord', 'EndingRecord'];

/** The operations and their parameters, per profile. */
export function operations(profile: ConnectProfile): Record<string, string[]> {
  return {
    GetAllAttributes: [...CREDENTIALS],
    GetAllFilters: [...CREDENTIALS],
    GetSourceCodes: [...CREDENTIALS],
    GetFilterContacts: [...CREDENTIALS, 'FilterIdsXml', 'AttributesXml', ...(profile === 'paged' ? PAGING : [])],
    UpdateContact: [...CREDENTIALS, 'ContactId', 'AttributesXml', 'SourceCode'],
  };
}

/** The WSDL document of a profile, as ASP.NET writes one (types, messages, port type; bindings left out). */
export function wsdlDocument(profile: ConnectProfile): string {
  const entries = Object.entries(operations(profile));
  const elements = entries
    .map(([method, params]) => {
      const fields = params.map((name) => `<s:element minOccurs="0" maxOccurs="1" name="${name}" type="s:string" />`).join('');
      return (
        `<s:element name="${method}"><s:complexType><s:sequence>${fields}</s:sequence></s:complexType></s:element>` +
        `<s:element name="${method}Response"><s:complexType><s:sequence>` +
        `<s:element minOccurs="0" maxOccurs="1" name="${method}Result" type="s:string" /></s:sequence></s:complexType></s:element>`
      );
    })
    .join('\n');
  const messages = entries
    .map(([method]) => `<wsdl:message name="${method}SoapIn"><wsdl:part name="parameters" element="tns:${method}" /></wsdl:message>` +
      `<wsdl:message name="${method}SoapOut"><wsdl:part name="parameters" element="tns:${method}Response" /></wsdl:message>`)
    .join('\n');
  const ports = entries
    .map(([method]) => `<wsdl:operation name="${method}"><wsdl:input message="tns:${method}SoapIn" /><wsdl:output message="tns:${method}SoapOut" /></wsdl:operation>`)
    .join('\n');
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<wsdl:definitions xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="${CONNECT_NS}" ` +
    `targetNamespace="${CONNECT_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">\n` +
    `<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="${CONNECT_NS}">\n${elements}\n</s:schema></wsdl:types>\n` +
    `${messages}\n<wsdl:portType name="BridgeSoap">\n${ports}\n</wsdl:portType>\n</wsdl:definitions>\n`
  );
}
