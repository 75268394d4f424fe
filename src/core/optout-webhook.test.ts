import { describe, expect, it } from 'vitest';
import { isJsonContentType, readWebhookBody } from './optout-webhook.js';

describe('readWebhookBody', () => {
  it.each<[unknown, ReturnType<typeof readWebhookBody>]>([
    [{ studentId: '100234', departmentCode: 'ADM', optedIn: false }, { ok: true, contactId: '100234', optedOut: true }],
    [{ studentId: 100234, departmentCode: 'ADM', optedIn: true }, { ok: true, contactId: '100234', optedOut: false }],
    [{ studentId: '100234', departmentCode: 'ADM', optedIn: 'FALSE' }, { ok: true, contactId: '100234', optedOut: true }],
    [{ studentId: '100234', departmentCode: 'ADM', optedIn: 'True', extra: 1 }, { ok: true, contactId: '100234', optedOut: false }],
    [{ studentId: '100234', departmentCode: ' ADM ', optedIn: false }, { ok: true, contactId: '100234', optedOut: true }],
  ])('reads %j', (body, reading) => {
    expect(readWebhookBody(body, 'ADM')).toEqual(reading);
  });

  it('takes a numeric team code as text', () => {
    expect(readWebhookBody({ studentId: '1', departmentCode: 1234567, optedIn: false }, '1234567')).toMatchObject({ ok: true });
  });

  it.each<[unknown, 400 | 422]>([
    [null, 400],
    [[], 400],
    ['text', 400],
    [{ departmentCode: 'ADM', optedIn: false }, 400],
    [{ studentId: '0', departmentCode: 'ADM', optedIn: false }, 400],
    [{ studentId: '007', departmentCode: 'ADM', optedIn: false }, 400],
    [{ studentId: ' 7', departmentCode: 'ADM', optedIn: false }, 400],
    [{ studentId: 7.5, departmentCode: 'ADM', optedIn: false }, 400],
    [{ studentId: -7, departmentCode: 'ADM', optedIn: false }, 400],
    [{ studentId: '7', departmentCode: 'ADM', optedIn: 'no' }, 400],
    [{ studentId: '7', departmentCode: 'ADM', optedIn: 0 }, 400],
    [{ studentId: '7', departmentCode: 'ADM' }, 400],
    [{ studentId: '7', optedIn: false }, 400],
    [{ studentId: '7', departmentCode: '', optedIn: false }, 400],
    [{ studentId: '7', departmentCode: 'OTHER', optedIn: false }, 422],
  ])('answers %j with %i', (body, status) => {
    expect(readWebhookBody(body, 'ADM')).toMatchObject({ ok: false, status });
  });
});

describe('isJsonContentType', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['', true],
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/vnd.cadence+json', true],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['application/jsonp', false],
  ])('%j → %s', (header, json) => {
    expect(isJsonContentType(header)).toBe(json);
  });
});
