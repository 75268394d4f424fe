/**
 * The bytes of a GetFilterContacts page: the `<result>` document escaped as the text of
 * `<Method>Result`, in UTF-8. A page is large (500 contacts, about half a megabyte) and the
 * benchmark runs the emulator on the cores the import uses, so a page is written straight
 * into a reused Buffer: markup is escaped and encoded once per page and copied as bytes,
 * values are copied as they are unless they hold something to escape (then escaped once
 * and cached), dates are formatted once per hour. Strings are never joined into a page:
 * half a megabyte of short-lived text costs more in garbage collection than in building.
 *
 * Escaping goes character by character, so escaping the parts is escaping the whole;
 * values are escaped twice (inner-document text, then envelope text), markup once.
 */
import type { ConnectClock } from './dates.js';
import type { ListItem } from '../../core/types.js';
import type { SandboxContact } from '../generate.js';
import { createBufferPool } from './buffer-pool.js';
import { successDocument } from './soap.js';
import { escapeXml } from './xml.js';

/** Builds pages for one Connect instance (its clock). */
export interface ContactsPageWriter {
  /**
   * The page's escaped `<result>` document as UTF-8 bytes. They live in a pooled buffer:
   * valid until passed to `release`.
   */
  write(total: number, contacts: readonly SandboxContact[], names: readonly string[]): Buffer;
  /** Gives a page's buffer back for later pages, once its bytes are sent. */
  release(page: Buffer): void;
  /**
   * A whole filter's escaped `<result>` document in pieces (its head, a slice of contacts
   * at a time, its tail), each a Buffer of its own, written only when asked for.
   */
  writeWhole(total: number, contacts: readonly SandboxContact[], names: readonly string[]): Generator<Buffer>;
}

/** Contacts per piece of a whole-filter answer. */
const WHOLE_SLICE = 500;

/** A page's markup, escaped for the envelope, as bytes. */
function markup(text: string): Buffer {
  return Buffer.from(escapeXml(text), 'utf8');
}

const CONTACT_OPEN = markup('<contact><attribute><name>contactid</name><value>');
const DATE_OPEN = markup('</value></attribute><attribute><name>modifieddate</name><value>');
const VALUE_OPEN = markup('<value>');
const ITEM_OPEN = markup('<item><value>');
const ITEM_MIDDLE = markup('</value><display>');
const ITEM_CLOSE = markup('</display></item>');
const CONTACTS_CLOSE = escapeXml('</contacts>');
/** How the attribute before ends: a single value, or a list (its items are already written). */
const CLOSES = [markup('</value></attribute>'), markup('</attribute>')] as const;
const AFTER_VALUE = 0;
const AFTER_LIST = 1;
const CONTACT_CLOSE = CLOSES.map((close) => Buffer.concat([close, markup('</contact>')]));

/**
 * Characters below 0x80 that escaping leaves as they are, twice (1), or not (0): printable
 * ASCII without `& < > " '`, tab and line feed. A value made only of these is copied as is.
 */
const PLAIN = Uint8Array.from({ length: 0x80 }, (_, code) =>
  (code >= 0x20 && !'&<>"\''.includes(String.fromCharCode(code))) || code === 0x09 || code === 0x0a ? 1 : 0,
);
/** Bounds the cache of escaped values (the usual value needs no escaping, and is not cached). */
const CACHE_LIMIT = 10_000;
const EMPTY: Buffer = Buffer.alloc(0);

/** Creates a writer; it keeps its buffers and small caches of escaped values, lists and formatted hours. */
export function createContactsPageWriter(clock: ConnectClock): ContactsPageWriter {
  const pool = createBufferPool();
  const escapedValues = new Map<string, Buffer>();
  /**
   * The items of frozen lists of frozen options (the generator shares one list per
   * selection), which cannot change under their cache entry.
   */
  const listItems = new WeakMap<readonly ListItem[], Buffer>();
  const modifiedDate = hourCache(clock);
  /** Bytes a contact took on the last page: sizes the next page's buffer. */
  let bytesPerContact = 1024;
  let bytes = EMPTY;
  let offset = 0;

  function reserve(size: number): void {
    if (offset + size <= bytes.length) return;
    const larger = pool.acquire(Math.max(offset + size, bytes.length * 2));
    bytes.copy(larger, 0, 0, offset);
    pool.release(bytes);
    bytes = larger;
  }

  function put(source: Buffer): void {
    reserve(source.length);
    bytes.set(source, offset);
    offset += source.length;
  }

  /** Writes a value as envelope text (escaped twice), as UTF-8. */
  function putValue(value: string): void {
    reserve(value.length);
    const start = offset;
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index);
      if (code > 0x7f || PLAIN[code] === 0) {
        offset = start;
        put(escapedValue(value));
        return;
      }
      bytes[offset++] = code;
    }
  }

  function escapedValue(value: string): Buffer {
    let escaped = escapedValues.get(value);
    if (escaped === undefined) {
      const once = escapeXml(value);
      // Nothing to escape once means nothing to escape twice (the value is only beyond ASCII).
      escaped = Buffer.from(once === value ? value : escapeXml(once), 'utf8');
      if (escapedValues.size >= CACHE_LIMIT) escapedValues.clear();
      escapedValues.set(value, escaped);
    }
    return escaped;
  }

  function putItems(items: readonly ListItem[]): void {
    const cached = listItems.get(items);
    if (cached !== undefined) return put(cached);
    const start = offset;
    for (const item of items) {
      put(ITEM_OPEN);
      putValue(item.value);
      put(ITEM_MIDDLE);
      putValue(item.display);
      put(ITEM_CLOSE);
    }
    if (Object.isFrozen(items) && items.every((item) => Object.isFrozen(item))) listItems.set(items, Buffer.from(bytes.subarray(start, offset)));
  }

  /** Writes a contact id's decimal digits (ids are positive integers; anything else as String writes it). */
  function putInteger(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) return put(Buffer.from(String(value), 'latin1'));
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    reserve(digits);
    let rest = value;
    for (let index = offset + digits - 1; index >= offset; index--) {
      bytes[index] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    offset += digits;
  }

  /**
   * One contact. Each attribute's opening markup is joined with the closing markup of the
   * one before (a value or a list), so that an attribute costs one copy of markup.
   */
  function putContact(contact: SandboxContact, names: readonly string[], opens: readonly (readonly Buffer[])[], listOpens: readonly (readonly Buffer[])[]): void {
    put(CONTACT_OPEN);
    putInteger(contact.id);
    put(modifiedDate(contact.modifiedAt));
    let previous: number = AFTER_VALUE;
    const values = contact.values;
    for (let index = 0; index < names.length; index++) {
      const value = values[names[index]!];
      if (value === undefined) continue;
      if (typeof value === 'string') {
        put(opens[index]![previous]!);
        putValue(value);
        previous = AFTER_VALUE;
      } else {
        put(listOpens[index]![previous]!);
        putItems(value);
        previous = AFTER_LIST;
      }
    }
    put(CONTACT_CLOSE[previous]!);
  }

  function write(total: number, contacts: readonly SandboxContact[], names: readonly string[]): Buffer {
    const wrapper = escapeXml(successDocument(`<contacts total="${total}"></contacts>`));
    const cut = wrapper.lastIndexOf(CONTACTS_CLOSE);
    const attributeOpens = names.map((name) => markup(`<attribute><name>${escapeXml(name)}</name>`));
    const opens = attributeOpens.map((open) => CLOSES.map((close) => Buffer.concat([close, open, VALUE_OPEN])));
    const listOpens = attributeOpens.map((open) => CLOSES.map((close) => Buffer.concat([close, open])));
    bytes = pool.acquire(wrapper.length * 3 + Math.ceil(contacts.length * bytesPerContact * 1.25));
    offset = 0;
    put(Buffer.from(wrapper.slice(0, cut), 'utf8'));
    const start = offset;
    for (const contact of contacts) putContact(contact, names, opens, listOpens);
    if (contacts.length > 0) bytesPerContact = Math.max(64, (offset - start) / contacts.length);
    put(Buffer.from(wrapper.slice(cut), 'utf8'));
    const page = bytes.subarray(0, offset);
    bytes = EMPTY;
    return page;
  }

  /** Each slice is written as a page; its contacts' bytes are copied out between the page's ends. */
  function* writeWhole(total: number, contacts: readonly SandboxContact[], names: readonly string[]): Generator<Buffer> {
    const wrapper = escapeXml(successDocument(`<contacts total="${total}"></contacts>`));
    const cut = wrapper.lastIndexOf(CONTACTS_CLOSE);
    const head = Buffer.from(wrapper.slice(0, cut), 'utf8');
    const tail = Buffer.from(wrapper.slice(cut), 'utf8');
    yield head;
    for (let first = 0; first < contacts.length; first += WHOLE_SLICE) {
      const page = write(total, contacts.slice(first, first + WHOLE_SLICE), names);
      const piece = Buffer.from(page.subarray(head.length, page.length - tail.length));
      pool.release(page);
      yield piece;
    }
    yield tail;
  }

  return { write, release: (page) => pool.release(page), writeWhole };
}

/**
 * `DATE_OPEN` and an instant as Connect writes it, for whole-second instants, formatting
 * each UTC hour once: the contacts of a page are in date order, so neighbours mostly share
 * their hour; the cached hour's minutes and seconds are set in place (the bytes returned
 * are valid until the next call). An hour is cached only when its first and last seconds
 * read `00:00` and `59:59` in the same local hour, that is when the zone's offset is whole
 * hours and does not change inside it; otherwise (a clock change inside the hour, offsets
 * like +05:30, old local mean times) each instant is formatted on its own.
 */
function hourCache(clock: ConnectClock): (ms: number) => Buffer {
  // Dates without seconds (the public profile): formatted one by one.
  if (!clock.seconds) return (ms) => Buffer.concat([DATE_OPEN, Buffer.from(clock.format(new Date(ms)), 'latin1')]);
  let hour = Number.NaN;
  /** The hour's bytes, ending `mm:ss AM`. */
  let cached: Buffer = Buffer.alloc(0);
  return (ms) => {
    const current = Math.floor(ms / 3_600_000);
    if (current !== hour) {
      const first = clock.format(new Date(current * 3_600_000));
      const last = clock.format(new Date(current * 3_600_000 + 3_599_000));
      if (first.slice(-8, -3) !== '00:00' || last !== `${first.slice(0, -8)}59:59${first.slice(-3)}`) {
        hour = Number.NaN;
        return Buffer.concat([DATE_OPEN, Buffer.from(clock.format(new Date(ms)), 'latin1')]);
      }
      hour = current;
      cached = Buffer.concat([DATE_OPEN, Buffer.from(first, 'latin1')]);
    }
    const seconds = Math.floor(ms / 1000) - current * 3600;
    const minute = Math.floor(seconds / 60);
    const second = seconds - minute * 60;
    const end = cached.length;
    cached[end - 8] = 0x30 + Math.floor(minute / 10);
    cached[end - 7] = 0x30 + (minute % 10);
    cached[end - 5] = 0x30 + Math.floor(second / 10);
    cached[end - 4] = 0x30 + (second % 10);
    return cached;
  };
}
