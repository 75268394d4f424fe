/**
 * Turning Connect attribute values into the text Cadence takes (product.md §3): list
 * attributes become their display names or stored codes joined with "; ", text is trimmed.
 */
import type { AttributeValue, ListItem } from '../types.js';

/** Separator between the items of a list attribute. */
export const LIST_SEPARATOR = '; ';

/**
 * A list attribute as text: display names when `hasList`, stored codes otherwise, each
 * trimmed, joined with "; ". An item without a display name shows its code (an empty
 * part would read as a missing value); items that are blank either way are skipped.
 */
export function listText(items: readonly ListItem[], hasList: boolean): string {
  return items
    .map((item) => (hasList ? item.display.trim() || item.value.trim() : item.value.trim()))
    .filter((part) => part !== '')
    .join(LIST_SEPARATOR);
}

/**
 * An attribute's value as trimmed text; absent is "". Lists give their stored codes, as
 * Connect stores them (what a standard or opt-out field compares against, and what the
 * opt-out write-back writes).
 */
export function attributeText(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value.trim() : listText(value, false);
}

/**
 * The value of one `additionalFields` entry: a list per `hasList`; text trimmed like the
 * names (spaces around a CRM value are typing accidents, and Cadence would show them in
 * messages); missing or empty is "", which clears the field in Cadence.
 */
export function additionalFieldValue(value: AttributeValue | undefined, hasList: boolean): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value.trim() : listText(value, hasList);
}
