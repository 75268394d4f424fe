/**
 * A test knob of the Connect emulator: serves chosen contacts as records that cannot be
 * read (product.md §8), inside an otherwise well-formed page. Works on the page's
 * envelope-level text, so the page writer's fast path is untouched when the knob is off.
 */
import { escapeXml } from './xml.js';

/** How a record is spoiled: a contactid that is not a number, a date that is not one, or a character XML forbids in a value. */
export type UnreadableKind = 'contactid' | 'modifieddate' | 'character';

const CONTACT_OPEN = escapeXml('<contact><attribute><name>contactid</name><value>');
const DATE_OPEN = escapeXml('</value></attribute><attribute><name>modifieddate</name><value>');
const VALUE_CLOSE = escapeXml('</value>');
const VALUE_OPEN = escapeXml('<value>');
/** `&#1;` in the inner document, escaped once more for the envelope. */
const FORBIDDEN_REFERENCE = escapeXml('&#1;');

/** The page's escaped document with each listed contact spoiled as asked. */
export function spoilRecords(page: string, records: Readonly<Record<string, UnreadableKind>>): string {
  let text = page;
  for (const [id, kind] of Object.entries(records)) {
    const head = `${CONTACT_OPEN}${id}${DATE_OPEN}`;
    const at = text.indexOf(head);
    if (at < 0) continue;
    const dateStart = at + head.length;
    const dateEnd = text.indexOf(VALUE_CLOSE, dateStart);
    if (kind === 'contactid') text = `${text.slice(0, at)}${CONTACT_OPEN}${id}x${DATE_OPEN}${text.slice(dateStart)}`;
    else if (kind === 'modifieddate') text = `${text.slice(0, dateStart)}not a date${text.slice(dateEnd)}`;
    else {
      const value = text.indexOf(VALUE_OPEN, dateEnd) + VALUE_OPEN.length;
      text = `${text.slice(0, value)}${FORBIDDEN_REFERENCE}${text.slice(value)}`;
    }
  }
  return text;
}
