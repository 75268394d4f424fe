/**
 * Decodes an element's text content as it streams in, as an XML parser would: the five
 * predefined entities and character references, CDATA sections taken literally, and line
 * ends normalised (`\r\n` and `\r` become `\n`). A reference or a marker split between two
 * pieces is held until the next one. The text ends at the first end tag (`</`): what
 * follows it, end tag included, is handed back. Any other markup is unparseable: the
 * element was meant to hold an escaped document, not elements.
 *
 * Character references are decoded here without judging the character: the decoded text
 * is a document of its own, and its parser refuses characters XML forbids.
 */
import { UnparseableResponse } from './soap.js';

export interface EscapedTextDecoder {
  /** Decodes a piece; returns the text after the content (from the end tag on) once it is reached. */
  write(piece: string): string | undefined;
}

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));/g;
const BARE_AMPERSAND = /&(?!(?:lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9A-Fa-f]{1,6});)/;
/** The longest reference worth waiting for (`&#x10FFFF;`). */
const LONGEST_REFERENCE = 10;
const CDATA_OPEN = '<![CDATA[';

/** Creates a decoder that hands each decoded piece to `emit`. */
export function createEscapedTextDecoder(emit: (text: string) => void): EscapedTextDecoder {
  let carry = '';
  let inCdata = false;

  function write(piece: string): string | undefined {
    let text = carry + piece;
    carry = '';
    while (text.length > 0) {
      if (inCdata) {
        const close = text.indexOf(']]>');
        if (close === -1) {
          // Keep a possible start of `]]>`, or a `\r` that a `\n` may follow, for the next piece.
          const keep = text.endsWith(']]') ? 2 : text.endsWith(']') || text.endsWith('\r') ? 1 : 0;
          flush(normaliseLineEnds(text.slice(0, text.length - keep)));
          carry = text.slice(text.length - keep);
          return undefined;
        }
        flush(normaliseLineEnds(text.slice(0, close)));
        text = text.slice(close + 3);
        inCdata = false;
        continue;
      }
      const markup = text.indexOf('<');
      if (markup === -1) {
        carry = plainText(text, true);
        return undefined;
      }
      plainText(text.slice(0, markup), false);
      const rest = text.slice(markup);
      if (rest.startsWith('</')) return rest;
      if (rest.startsWith(CDATA_OPEN)) {
        inCdata = true;
        text = rest.slice(CDATA_OPEN.length);
      } else if (CDATA_OPEN.startsWith(rest)) {
        carry = rest;
        return undefined;
      } else {
        throw new UnparseableResponse('the result element holds markup instead of an escaped document');
      }
    }
    return undefined;
  }

  /**
   * Decodes text without markup in one go (the engine's replaceAll is far faster than a
   * loop in JS). When more may follow, an unfinished reference or `\r` at the end is
   * returned to be carried; otherwise the text must be complete.
   */
  function plainText(text: string, more: boolean): string {
    let cut = text.length;
    if (more) {
      const amp = text.lastIndexOf('&');
      if (amp !== -1 && text.indexOf(';', amp) === -1 && text.length - amp <= LONGEST_REFERENCE) cut = amp;
      if (cut > 0 && text.charCodeAt(cut - 1) === 13) cut -= 1;
    }
    const whole = cut === text.length ? text : text.slice(0, cut);
    flush(decode(whole));
    return cut === text.length ? '' : text.slice(cut);
  }

  function flush(out: string): void {
    if (out.length > 0) emit(out);
  }

  return { write };
}

function decode(text: string): string {
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  if (!text.includes('&')) return text;
  if (BARE_AMPERSAND.test(text)) throw new UnparseableResponse('the result text holds an "&" that is not an XML reference');
  if (!text.includes('&#')) {
    // `&amp;` last: no replacement can form a reference a later one decodes.
    return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');
  }
  return text.replace(REFERENCE, (...match: unknown[]) => decodeReference(match as unknown as RegExpExecArray));
}

function decodeReference(match: RegExpExecArray): string {
  const [, name, decimal, hex] = match;
  if (name !== undefined) return NAMED[name]!;
  const codePoint = decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
  if (codePoint > 0x10ffff) throw new UnparseableResponse(`character reference to U+${codePoint.toString(16).toUpperCase()} is beyond Unicode`);
  return String.fromCodePoint(codePoint);
}

function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
