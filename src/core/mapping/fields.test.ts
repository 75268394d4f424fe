import { describe, expect, it } from 'vitest';
import type { AttributeValue, ListItem } from '../types.js';
import { additionalFieldValue, attributeText, listText } from './fields.js';

const bio: ListItem = { value: 'BIO', display: 'Biology' };
const chem: ListItem = { value: 'CHEM', display: 'Chemistry' };

describe('listText', () => {
  it.each([
    [[bio, chem], true, 'Biology; Chemistry'],
    [[bio, chem], false, 'BIO; CHEM'],
    [[chem, bio], true, 'Chemistry; Biology'],
    [[bio], true, 'Biology'],
    [[bio], false, 'BIO'],
    [[], true, ''],
    [[], false, ''],
    [[{ value: ' BIO ', display: ' Biology ' }], true, 'Biology'],
    [[{ value: ' BIO ', display: ' Biology ' }], false, 'BIO'],
    [[{ value: 'UND', display: '' }, bio], true, 'UND; Biology'],
    [[{ value: '', display: '' }, bio], false, 'BIO'],
    [[{ value: '', display: 'Other' }], false, ''],
  ] satisfies [ListItem[], boolean, string][])('%o hasList=%s → %j', (items, hasList, text) => {
    expect(listText(items, hasList)).toBe(text);
  });
});

describe('additionalFieldValue', () => {
  it.each([
    [undefined, false, ''],
    [undefined, true, ''],
    ['', false, ''],
    ['   ', false, ''],
    ['Fall 2027', false, 'Fall 2027'],
    ['  Fall 2027 ', false, 'Fall 2027'],
    ['Fall 2027', true, 'Fall 2027'],
    [[bio, chem], true, 'Biology; Chemistry'],
    [[bio, chem], false, 'BIO; CHEM'],
    [[], true, ''],
  ] satisfies [AttributeValue | undefined, boolean, string][])('%j hasList=%s → %j', (value, hasList, text) => {
    expect(additionalFieldValue(value, hasList)).toBe(text);
  });
});

describe('attributeText', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['  Ana ', 'Ana'],
    [[bio, chem], 'BIO; CHEM'],
    [[], ''],
  ] satisfies [AttributeValue | undefined, string][])('%j → %j', (value, text) => {
    expect(attributeText(value)).toBe(text);
  });
});
