/**
 * Mobile numbers (product.md §3): Connect holds them as people typed them; Cadence gets
 * exactly 10 ASCII digits of a North American number, or the contact is not sent.
 */

export type MobileResult =
  | { ok: true; mobile: string }
  | { ok: false; code: 'MISSING_MOBILE' | 'INVALID_MOBILE'; message: string };

/**
 * Characters that do not count as content: white space (JS `\s` is Unicode-aware:
 * U+00A0, U+2007, U+3000, …) and invisible format characters (`\p{Cf}`: zero-width
 * space, LRM and other bidi marks that ride along when a number is copied from a web page).
 */
const INVISIBLE = /[\s\p{Cf}]/gu;

/**
 * The separators §3 removes: dashes (every Unicode dash punctuation `\p{Pd}`, plus the
 * minus sign U+2212, which some keyboards produce), dots and parentheses. NFKC has
 * already folded their fullwidth forms to ASCII.
 */
const SEPARATORS = /[\p{Pd}\u2212.()]/gu;

const NANP = /^[2-9]\d{2}[2-9]\d{6}$/;

/**
 * The same rules for the usual, all-ASCII value, without the Unicode machinery (NFKC leaves
 * ASCII as it is; among ASCII characters INVISIBLE matches only white space and SEPARATORS
 * only `-`, `.`, `(`, `)`): the result is the same, at a fraction of the cost per contact.
 */
const ASCII = /^[^\u0080-\uffff]*$/;
const ASCII_INVISIBLE = /[\t\n\v\f\r ]/g;
const ASCII_SEPARATORS = /[-.()]/g;

/**
 * Normalises a Connect mobile number to 10 ASCII digits, or says why it cannot.
 *
 * Blank (nothing but white space or invisible characters) is `MISSING_MOBILE`; a value
 * with anything visible that does not make a valid number is `INVALID_MOBILE`, so
 * `"---"` is invalid, not missing. Messages quote the value as Connect gave it.
 */
export function normaliseMobile(raw: string): MobileResult {
  const ascii = ASCII.test(raw);
  const visible = ascii ? raw.replace(ASCII_INVISIBLE, '') : raw.normalize('NFKC').replace(INVISIBLE, '');
  if (visible === '') return { ok: false, code: 'MISSING_MOBILE', message: 'mobile number is empty' };

  const cleaned = ascii ? visible.replace(ASCII_SEPARATORS, '') : visible.replace(SEPARATORS, '');
  const digits = /^\+?1\d{10}$/.test(cleaned) ? cleaned.slice(cleaned.length - 10) : cleaned;
  const problem = whyInvalid(digits);
  if (problem === undefined) return { ok: true, mobile: digits };
  return { ok: false, code: 'INVALID_MOBILE', message: `mobile number ${JSON.stringify(raw)} ${problem}` };
}

/** What is wrong with the cleaned value, or undefined when it is a valid 10-digit number. */
function whyInvalid(digits: string): string | undefined {
  if (digits === '') return 'has no digits';
  if (/^\+\d+$/.test(digits)) {
    return digits.startsWith('+1')
      ? `has ${digits.length - 2} digits after +1; expected 10`
      : 'has a country code other than +1; only North American numbers can be texted';
  }
  const others = [...new Set(digits.replace(/\d/g, ''))];
  if (others.length > 0) {
    const list = others.slice(0, 5).map((char) => JSON.stringify(char)).join(', ');
    return `contains ${list}; expected only digits, spaces, dashes, dots and parentheses (no extensions)`;
  }
  if (digits.length !== 10) return `has ${digits.length} digits; expected 10, or 11 starting with 1`;
  if (!NANP.test(digits)) {
    const [part, name] = /^[2-9]/.test(digits) ? [digits.slice(3, 6), 'exchange'] : [digits.slice(0, 3), 'area code'];
    return `has ${name} ${part}, which starts with ${part[0]}; ${name}s start with 2-9`;
  }
  return undefined;
}
