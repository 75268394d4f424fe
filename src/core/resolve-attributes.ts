/**
 * The config may name an attribute by its internal `name` or by its `mappingname` label
 * (product.md §1). This resolves every attribute the config names to the internal name
 * Connect's GetFilterContacts wants, and says what does not resolve.
 */
import type { Config } from '../config/schema.js';
import type { ConnectAttribute } from './types.js';

/** The internal attribute names the mapping reads, in the config's shape. */
export interface ResolvedNames {
  firstName: string;
  lastName: string;
  mobileNumber: string;
  /** Present only when `standardFields.userIdentification` is configured. */
  userIdentification?: string;
  /** `optOut.field`; present only when `optOut` is configured. */
  optOut?: string;
  /** `additionalFields[i].contactField`, same order as the config. */
  additionalFields: readonly string[];
}

/** The parts of the config that name attributes. */
export type MappingConfig = Pick<Config, 'standardFields' | 'optOut' | 'additionalFields'>;

export interface ConfigNote {
  path: string;
  message: string;
}

export interface ResolveResult {
  /** Resolved names; an entry that did not resolve keeps the name as written. */
  names: ResolvedNames;
  /** Config errors: an attribute that does not exist or whose label is ambiguous. */
  problems: ConfigNote[];
  warnings: ConfigNote[];
}

type Lookup = { ok: true; attribute: ConnectAttribute } | { ok: false; message: string };

/**
 * Resolves every attribute the config names against Connect's attributes: an exact
 * internal name first, then an exact label, then a label in any case. A label shared by
 * several attributes is a problem (ambiguous). Warns where a list attribute is read as
 * text (standard and opt-out fields, `additionalFields` without `hasList`) and where
 * `hasList` is set on an attribute that is not a list.
 */
export function resolveAttributes(config: MappingConfig, attributes: readonly ConnectAttribute[]): ResolveResult {
  const problems: ConfigNote[] = [];
  const warnings: ConfigNote[] = [];

  function resolve(path: string, written: string): ConnectAttribute | undefined {
    const found = lookup(written, attributes);
    if (found.ok) return found.attribute;
    problems.push({ path, message: found.message });
    return undefined;
  }
  /** A field read as text: a list attribute there works, but probably not as meant. */
  function nameOf(path: string, written: string, what: string): string {
    const attribute = resolve(path, written);
    if (attribute?.type === 'list') {
      warnings.push({ path, message: `${describe(attribute)} is a list attribute; ${what} uses its stored codes joined with "; "` });
    }
    return attribute?.name ?? written;
  }

  const { standardFields, optOut } = config;
  const names: ResolvedNames = {
    firstName: nameOf('standardFields.firstName', standardFields.firstName, 'the first name'),
    lastName: nameOf('standardFields.lastName', standardFields.lastName, 'the last name'),
    mobileNumber: nameOf('standardFields.mobileNumber', standardFields.mobileNumber, 'the mobile number'),
    additionalFields: [],
  };
  if (standardFields.userIdentification !== undefined) {
    names.userIdentification = nameOf('standardFields.userIdentification', standardFields.userIdentification, 'the user id');
  }
  if (optOut !== undefined) {
    names.optOut = nameOf('optOut.field', optOut.field, 'the opt-out status (and the write-back)');
  }
  names.additionalFields = config.additionalFields.map((field, index) => {
    const path = `additionalFields[${index}]`;
    const attribute = resolve(`${path}.contactField`, field.contactField);
    if (attribute?.type === 'list' && !field.hasList) {
      warnings.push({
        path: `${path}.hasList`,
        message: `${describe(attribute)} is a list attribute mapped without hasList: ${field.cadenceField} gets its stored codes, not its display names`,
      });
    }
    if (attribute !== undefined && attribute.type !== 'list' && field.hasList) {
      warnings.push({ path: `${path}.hasList`, message: `${describe(attribute)} is a ${attribute.type} attribute, not a list; hasList has no effect` });
    }
    return attribute?.name ?? field.contactField;
  });
  return { names, problems, warnings };
}

/** The names as written, for runs that take attribute names literally (no Connect at hand). */
export function offlineNames(config: MappingConfig): ResolvedNames {
  const { standardFields, optOut } = config;
  const names: ResolvedNames = {
    firstName: standardFields.firstName,
    lastName: standardFields.lastName,
    mobileNumber: standardFields.mobileNumber,
    additionalFields: config.additionalFields.map((field) => field.contactField),
  };
  if (standardFields.userIdentification !== undefined) names.userIdentification = standardFields.userIdentification;
  if (optOut !== undefined) names.optOut = optOut.field;
  return names;
}

/** The attributes to ask GetFilterContacts for: every resolved name once, in config order. */
export function attributeNamesToRequest(names: ResolvedNames): string[] {
  const all = [names.firstName, names.lastName, names.mobileNumber, names.userIdentification, names.optOut, ...names.additionalFields];
  return [...new Set(all.filter((name): name is string => name !== undefined))];
}

function lookup(written: string, attributes: readonly ConnectAttribute[]): Lookup {
  const byName = attributes.find((attribute) => attribute.name === written);
  if (byName) return { ok: true, attribute: byName };
  const folded = written.toLowerCase();
  const matchers = [
    (attribute: ConnectAttribute) => attribute.mappingName === written,
    (attribute: ConnectAttribute) => attribute.mappingName.toLowerCase() === folded,
  ];
  for (const matches of matchers) {
    const found = attributes.filter(matches);
    if (found.length === 1 && found[0]) return { ok: true, attribute: found[0] };
    if (found.length > 1) {
      return { ok: false, message: `${JSON.stringify(written)} is ambiguous: matches ${found.map((a) => a.name).join(', ')}; use the internal name` };
    }
  }
  const nameInOtherCase = attributes.find((attribute) => attribute.name.toLowerCase() === folded);
  const hint = nameInOtherCase ? ` (did you mean ${nameInOtherCase.name}? internal names are case-sensitive)` : '';
  return { ok: false, message: `no Connect attribute is named or labelled ${JSON.stringify(written)}${hint}` };
}

function describe(attribute: ConnectAttribute): string {
  return attribute.mappingName && attribute.mappingName !== attribute.name
    ? `${attribute.name} (${attribute.mappingName})`
    : attribute.name;
}
