import { describe, expect, it } from 'vitest';
import { normaliseMobile } from './phone.js';

describe('normaliseMobile', () => {
  it.each([
    ['4045550134', '4045550134'],
    ['(404) 555-0134', '4045550134'],
    ['404-555-0134', '4045550134'],
    ['404.555.0134', '4045550134'],
    ['404 555 0134', '4045550134'],
    ['  404 555 0134  ', '4045550134'],
    ['+1 404 555 0134', '4045550134'],
    ['+1 (404) 555-0134', '4045550134'],
    ['+14045550134', '4045550134'],
    ['1-404-555-0134', '4045550134'],
    ['14045550134', '4045550134'],
    ['1 (404) 555.0134', '4045550134'],
    ['(404)555-0134', '4045550134'],
    ['2002000000', '2002000000'],
    ['9999999999', '9999999999'],
    ['\t404\n555\r0134', '4045550134'],
    ['404\u00a0555\u00a00134', '4045550134'], // no-break space
    ['404\u2007555\u20070134', '4045550134'], // figure space
    ['404\u3000555\u30000134', '4045550134'], // ideographic space
    ['４０４５５５０１３４', '4045550134'], // fullwidth digits, folded by NFKC
    ['（４０４）５５５－０１３４', '4045550134'], // fullwidth parentheses and hyphen
    ['＋１ ４０４ ５５５ ０１３４', '4045550134'], // fullwidth plus
    ['404\u2013555\u20130134', '4045550134'], // en dash
    ['404\u2014555\u20140134', '4045550134'], // em dash
    ['404\u2010555\u20110134', '4045550134'], // hyphen, non-breaking hyphen
    ['404\u2212555\u22120134', '4045550134'], // minus sign
    ['\u202a404-555-0134\u202c', '4045550134'], // bidi embedding marks from a web page
    ['404\u200b555\u200b0134', '4045550134'], // zero-width space
    ['1.404.555.0134', '4045550134'],
  ])('accepts %j as %s', (raw, mobile) => {
    expect(normaliseMobile(raw)).toEqual({ ok: true, mobile });
  });

  it.each([
    [''],
    ['   '],
    ['\t\n'],
    ['\u3000'],
    ['\u200b'],
  ])('reports %j as MISSING_MOBILE', (raw) => {
    expect(normaliseMobile(raw)).toEqual({ ok: false, code: 'MISSING_MOBILE', message: 'mobile number is empty' });
  });

  it.each([
    ['404-555-013', 'has 9 digits'], // 9 digits
    ['404555013412', 'has 12 digits'], // 12 digits
    ['24045550134', 'has 11 digits; expected 10, or 11 starting with 1'], // 11 digits not starting with 1
    ['114045550134', 'has 12 digits'], // a leading 1 only goes when 10 digits are left
    ['1404555013', 'area code 140'], // 10 digits: the 1 stays and is the area code
    ['(104) 555-0134', 'area code 104, which starts with 1'],
    ['(004) 555-0134', 'area code 004, which starts with 0'],
    ['1 (104) 555-0134', 'area code 104'],
    ['404-155-0134', 'exchange 155, which starts with 1'],
    ['404-055-0134', 'exchange 055, which starts with 0'],
    ['404-555-0134 x123', 'contains "x"'],
    ['404-555-0134 ext. 12', 'contains "e", "x", "t"'],
    ['404-555-0134#12', 'contains "#"'],
    ['404-555-ABCD', 'contains "A", "B", "C", "D"'],
    ['404/555/0134', 'contains "/"'],
    ['404_555_0134', 'contains "_"'],
    ['n/a', 'contains "n", "/", "a"'],
    ['unknown', 'contains'],
    ['---', 'has no digits'],
    ['( ) -', 'has no digits'],
    ['+44 20 7946 0958', 'country code other than +1'],
    ['+4045550134', 'country code other than +1'],
    ['+1 404 555 013', 'has 9 digits after +1'],
    ['404+555+0134', 'contains "+"'],
    ['٤٠٤٥٥٥٠١٣٤', 'contains'], // Arabic-Indic digits: NFKC does not fold them to ASCII
    ['404-555-0134, 404-555-0135', 'contains ","'],
  ])('reports %j as INVALID_MOBILE (%s)', (raw, reason) => {
    const result = normaliseMobile(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('INVALID_MOBILE');
    expect(result.message).toContain(reason);
    expect(result.message).toContain(JSON.stringify(raw));
  });
});
