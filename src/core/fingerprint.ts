/**
 * The fingerprint stored with each filter's watermark (product.md §4): a hash of what
 * shapes the payloads of that filter. When it changes, the filter is re-imported in full,
 * because contacts that did not change in Connect may now map differently.
 */
import { createHash } from 'node:crypto';
import type { MappingConfig, ResolvedNames } from './resolve-attributes.js';

/** Bump when the mapping rules themselves change meaning, to re-import every filter once. */
export const MAPPING_VERSION = 1;

/**
 * sha256 (hex) of the mapping for one filter. What goes in, and why:
 * - the resolved internal names, not the names as written: switching a label for the
 *   internal name it stands for changes no payload;
 * - the opt-out values trimmed and lower-cased (they are compared that way) and
 *   `emptyIsOptedIn`;
 * - additionalFields sorted by cadenceField (their order shapes no payload: customFields
 *   are compared with sorted keys) with their `hasList`;
 * - whether a user id is mapped, the filter id, and MAPPING_VERSION.
 * Not paging, batching, concurrency, lookback, schedule, notification or credentials.
 */
export function fingerprint(config: MappingConfig, filterId: number, resolved: ResolvedNames): string {
  const optOut = config.optOut && {
    field: resolved.optOut ?? config.optOut.field,
    optedInValue: config.optOut.optedInValue.trim().toLowerCase(),
    optedOutValue: config.optOut.optedOutValue.trim().toLowerCase(),
    emptyIsOptedIn: config.optOut.emptyIsOptedIn,
  };
  const additionalFields = config.additionalFields
    .map((field, index) => ({
      cadenceField: field.cadenceField,
      contactField: resolved.additionalFields[index] ?? field.contactField,
      hasList: field.hasList,
    }))
    .sort((a, b) => (a.cadenceField < b.cadenceField ? -1 : a.cadenceField > b.cadenceField ? 1 : 0));
  const shape = {
    version: MAPPING_VERSION,
    filterId,
    standardFields: {
      firstName: resolved.firstName,
      lastName: resolved.lastName,
      mobileNumber: resolved.mobileNumber,
      userIdentification: config.standardFields.userIdentification === undefined ? null : (resolved.userIdentification ?? config.standardFields.userIdentification),
    },
    optOut: optOut ?? null,
    additionalFields,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}
