/**
 * What a run settles before it reads a contact: which filters it reads, the mapping rules
 * (from Cadence's users and Connect's attributes), and where each filter's read starts.
 * The same for a real run and a dry run.
 */
import type { Config } from '../../config/schema.js';
import { ConfigError, UsageError } from '../../errors.js';
import { fingerprint } from '../fingerprint.js';
import { mappingRules, type MappingRules } from '../mapping/map-contact.js';
import type { CadenceSink, ConnectSource, Watermark } from '../ports.js';
import { attributeNamesToRequest, resolveAttributes, type ResolvedNames } from '../resolve-attributes.js';
import { startFrom, type FilterStart } from '../watermark.js';

/** Which configured filters a run reads; `--filter` must name configured ones. */
export function selectFilters(config: Config, only: readonly number[] | undefined): number[] {
  if (only === undefined || only.length === 0) return [...config.criteria.filterIds];
  const unknown = only.filter((id) => !config.criteria.filterIds.includes(id));
  if (unknown.length > 0) {
    throw new UsageError(`--filter ${unknown.join(', ')}: not in criteria.filterIds (${config.criteria.filterIds.join(', ')})`);
  }
  return config.criteria.filterIds.filter((id) => only.includes(id));
}

/** What the run needs from Connect and Cadence before it can plan anything. */
export interface RunSetup {
  names: ResolvedNames;
  rules: MappingRules;
  attributes: string[];
  warnings: string[];
}

/**
 * Reads Cadence's users and Connect's attributes, resolves the config's attribute names,
 * and builds the mapping rules. An attribute that does not resolve is a config error.
 */
export async function prepareRun(config: Config, deps: { connect: Pick<ConnectSource, 'getAttributes'>; cadence: Pick<CadenceSink, 'getUsers'> }): Promise<RunSetup> {
  const [users, attributes] = await Promise.all([deps.cadence.getUsers(), deps.connect.getAttributes()]);
  const resolved = resolveAttributes(config, attributes);
  if (resolved.problems.length > 0) {
    throw new ConfigError('the config names attributes Connect does not have', resolved.problems);
  }
  const rules = mappingRules(config, resolved.names, new Set(users.map((user) => user.userId)));
  return {
    names: resolved.names,
    rules,
    attributes: attributeNamesToRequest(resolved.names),
    warnings: resolved.warnings.map((warning) => `${warning.path}: ${warning.message}`),
  };
}

/**
 * Decides where a filter's read starts (product.md §4: watermark − lookback, or in full);
 * the rules are watermark.ts's, the fingerprint is taken here.
 */
export function filterStart(input: {
  config: Config;
  filterId: number;
  names: ResolvedNames;
  watermark: Watermark | undefined;
  full: boolean;
  runStartedAt: Date;
}): FilterStart {
  const { config, filterId, names, watermark, full, runStartedAt } = input;
  const print = fingerprint(config, filterId, names);
  return startFrom({ filterId, fingerprint: print, watermark, full, lookbackMinutes: config.criteria.lookbackMinutes, runStartedAt });
}

/** Says in words why a filter is read in full, for logs, run notes and the dry run. */
export function describeStart(start: FilterStart): string | undefined {
  switch (start.reason) {
    case 'first':
      return `filter ${start.filterId} imported in full: first run for this filter`;
    case 'full':
      return `filter ${start.filterId} imported in full: --full`;
    case 'mapping-changed':
      return `filter ${start.filterId} re-imported in full: the mapping changed since the last run`;
    case 'incremental':
      return undefined;
  }
}
