import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookSender, optOutHistoryCsv } from './webhooks.js';
import type { OptOutChange } from '../../core/types.js';

const STOP: OptOutChange = { uniqueCampusId: '100234', mobileNumber: '4045550134', optedOut: true, changedAt: '2026-11-24T18:03:11.000Z', source: 'keyword' };

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

/** A receiver that answers the given statuses in turn (the last one from then on), recording bodies. */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(statuses[Math.min(bodies.length, statuses.length) - 1]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

describe('the sandbox webhook sender', () => {
  it('posts {studentId, departmentCode, optedIn} and retries on non-2xx until it is taken', async () => {
    const { url, bodies } = await receiver([503, 500, 200]);
    const sender = createWebhookSender('ADMISSIONS');
    sender.send(url, STOP);
    await sender.whenDelivered();
    expect(bodies).toEqual(Array.from({ length: 3 }, () => ({ studentId: '100234', departmentCode: 'ADMISSIONS', optedIn: false })));
    expect(sender.deliveries()).toEqual([{ studentId: '100234', optedIn: false, attempts: 3, status: 200, delivered: true }]);
  });
});

describe('optOutHistoryCsv', () => {
  it('lists keyword and staff changes, not imports, as the export shows them', () => {
    const changes: OptOutChange[] = [STOP, { ...STOP, source: 'import', optedOut: false }, { ...STOP, uniqueCampusId: '100235', source: 'staff', optedOut: false, changedAt: '2026-11-25T08:00:00.000Z' }];
    expect(optOutHistoryCsv(changes, 'ADMISSIONS')).toBe(
      'ContactId, DepartmentCode, MobileNumber, Status, StatusDate (UTC)\r\n' +
        '100234,ADMISSIONS,4045550134,Opted Out,2026-11-24 18:03:11\r\n' +
        '100235,ADMISSIONS,4045550134,Opted In,2026-11-25 08:00:00\r\n',
    );
  });
});
