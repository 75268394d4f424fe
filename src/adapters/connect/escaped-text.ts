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
const REFERENCE = /^&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));/;
/** The longest reference worth waiting for (`&#x10FFFF;`). */
const LONGEST_REFERENCE = 10;
const SPECIAL = /[&<\r\]]/g;
const CDATA_OPEN = '<![CDATA[';

/** Creates a decoder that hands each decoded piece to `emit`. */
export function createEscapedTextDecoder(emit: (text: string) => void): EscapedTextDecoder {
  let carry = '';
  let inCdata = false;

  function write(piece: string): string | undefined {
    const text = carry + piece;
    carry = '';
    let out = '';
    let index = 0;
    while (index < text.length) {
      if (inCdata) {
        const close = text.indexOf(']]>', index);
        if (close === -1) {
          // Keep a possible start of `]]>`, or a `\r` that a `\n` may follow, for the next piece.
          const keep = text.endsWith(']]') ? 2 : text.endsWith(']') || text.endsWith('\r') ? 1 : 0;
          out += normaliseLineEnds(text.slice(index, text.length - keep));
          carry = text.slice(text.length - keep);
          index = text.length;
          break;
        }
        out += normaliseLineEnds(text.slice(index, close));
        index = close + 3;
        inCdata = false;
        continue;
      }
      SPECIAL.lastIndex = index;
      const found = SPECIAL.exec(text);
      const stop = found ? found.index : text.length;
      out += text.slice(index, stop);
      index = stop;
      if (!found) break;
      const char = text[index]!;
      if (char === ']') {
        out += ']';
        index += 1;
      } else if (char === '\r') {
        if (index + 1 === text.length) {
          carry = '\r';
          index = text.length;
          break;
        }
        out += '\n';
        index += text[index + 1] === '\n' ? 2 : 1;
      } else if (char === '&') {
        const match = REFERENCE.exec(text.slice(index, index + LONGEST_REFERENCE + 1));
        if (!match) {
          if (text.length - index <= LONGEST_REFERENCE && !text.includes(';', index)) {
            carry = text.slice(index);
            index = text.length;
            break;
          }
          throw new UnparseableResponse('the result text holds an "&" that is not an XML reference');
        }
        out += decodeReference(match);
        index += match[0].length;
      } else {
        const rest = text.slice(index);
        if (rest.startsWith('</')) {
          flush(out);
          return rest;
        }
        if (rest.startsWith(CDATA_OPEN)) {
          inCdata = true;
          index += CDATA_OPEN.length;
        } else if (rest.length < CDATA_OPEN.length && CDATA_OPEN.startsWith(rest)) {
          carry = rest;
          index = text.length;
        } else {
          throw new UnparseableResponse('the result element holds markup instead of an escaped document');
        }
      }
    }
    flush(out);
    return undefined;
  }

  function flush(out: string): void {
    if (out.length > 0) emit(out);
  }

  return { write };
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
