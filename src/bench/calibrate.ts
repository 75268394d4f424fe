/**
 * How long the sandbox itself takes to answer one page of contacts, asked by the plainest
 * client (one call at a time, body read, nothing parsed). The bound counts only the
 * emulator's added latency; this says how much of the rest is the emulator's own work
 * (building, encoding and sending a page of a few hundred kilobytes) rather than the
 * import's, so that a ratio above the target can be read.
 */
import { Agent, request } from 'undici';
import { loadConfig } from '../config/load.js';
import { attributeNamesXml, buildEnvelope, filterIdsXml, soapAction } from '../adapters/connect/soap.js';

export interface PageTiming {
  /** Mean time from sending the call to the last byte of the answer, ms. */
  meanMs: number;
  /** Mean size of an answer, bytes. */
  meanBytes: number;
  pages: number;
}

/** Asks the first filter's first `pages` pages (plus two not counted, to warm up) and times them. */
export async function timeSandboxPages(configPath: string, pages = 20): Promise<PageTiming> {
  const config = await loadConfig({ path: configPath });
  const { endpoint, clientName, passKey, pageSize } = config.connect;
  const attributes = [
    config.standardFields.firstName,
    config.standardFields.lastName,
    config.standardFields.mobileNumber,
    ...(config.standardFields.userIdentification ? [config.standardFields.userIdentification] : []),
    ...(config.optOut ? [config.optOut.field] : []),
    ...config.additionalFields.map((field) => field.contactField),
  ];
  const dispatcher = new Agent({ connections: 1 });
  let totalMs = 0;
  let totalBytes = 0;
  try {
  for (let index = 0; index < pages + 2; index++) {
    const start = 1 + index * pageSize;
    const body = buildEnvelope('GetFilterContacts', [
      ['ClientName', clientName],
      ['PassKey', passKey],
      ['FilterIdsXml', filterIdsXml(config.criteria.filterIds[0]!)],
      ['AttributesXml', attributeNamesXml(attributes)],
      ['ModifiedSince', ''],
      ['StartingRecord', String(start)],
      ['EndingRecord', String(start + pageSize - 1)],
    ]);
    const started = performance.now();
    const response = await request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: soapAction('GetFilterContacts') },
      body,
      dispatcher,
    });
    const bytes = (await response.body.arrayBuffer()).byteLength;
    if (index >= 2) {
      totalMs += performance.now() - started;
      totalBytes += bytes;
    }
  }
  } finally {
    await dispatcher.close();
  }
  return { meanMs: totalMs / pages, meanBytes: totalBytes / pages, pages };
}
