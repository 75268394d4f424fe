/**
 * The online half of `validate-config` (product.md §2): the config checked against
 * Connect (credentials, attributes, filters, source code) and Cadence (credentials,
 * fields). Every problem is collected, each at the key path it concerns.
 */
import type { Config } from '../config/schema.js';
import { ExternalServiceError } from '../errors.js';
import type { ConfigProblem } from '../errors.js';
import type { CadenceSink, ConnectSource } from './ports.js';
import { resolveAttributes } from './resolve-attributes.js';

export interface OnlineReport {
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  /** What was found, for the summary (filter names, users, fields). */
  facts: string[];
}

/** Runs every check; never throws for a service's answer (it becomes a problem). */
export async function validateOnline(config: Config, services: { connect: ConnectSource; cadence: CadenceSink }): Promise<OnlineReport> {
  const report: OnlineReport = { problems: [], warnings: [], facts: [] };
  await Promise.all([checkConnect(config, services.connect, report), checkCadence(config, services.cadence, report)]);
  return report;
}

async function checkConnect(config: Config, connect: ConnectSource, report: OnlineReport): Promise<void> {
  let attributes;
  try {
    attributes = await connect.getAttributes();
  } catch (error) {
    report.problems.push(serviceProblem('connect', error));
    return;
  }
  const resolved = resolveAttributes(config, attributes);
  report.problems.push(...resolved.problems);
  report.warnings.push(...resolved.warnings);
  report.facts.push(`Connect: ${attributes.length} attributes; the mapped ones all resolve${resolved.problems.length > 0 ? ' (except the problems below)' : ''}`);
  try {
    const filters = await connect.getFilters();
    const names = new Map(filters.map((filter) => [filter.id, filter.name]));
    config.criteria.filterIds.forEach((id, index) => {
      if (!names.has(id)) report.problems.push({ path: `criteria.filterIds[${index}]`, message: `Connect has no filter ${id}` });
      else report.facts.push(`Connect filter ${id}: ${names.get(id)}`);
    });
  } catch (error) {
    report.problems.push(serviceProblem('connect', error));
  }
  try {
    const codes = await connect.getSourceCodes();
    if (!codes.some((code) => code.code === config.criteria.sourceCode)) {
      report.problems.push({
        path: 'criteria.sourceCode',
        message: `Connect has no source code ${config.criteria.sourceCode} (it has: ${codes.map((code) => code.code).join(', ') || 'none'})`,
      });
    }
  } catch (error) {
    report.problems.push(serviceProblem('connect', error));
  }
}

async function checkCadence(config: Config, cadence: CadenceSink, report: OnlineReport): Promise<void> {
  try {
    const [fields, users] = await Promise.all([cadence.getFields(), cadence.getUsers()]);
    const names = new Set(fields.map((field) => field.name));
    config.additionalFields.forEach((field, index) => {
      if (!names.has(field.cadenceField)) {
        report.problems.push({
          path: `additionalFields[${index}].cadenceField`,
          message: `Cadence has no field "${field.cadenceField}" on its Fields page (it has: ${[...names].join(', ') || 'none'})`,
        });
      }
    });
    report.facts.push(`Cadence: ${users.length} users, ${fields.length} custom fields`);
  } catch (error) {
    report.problems.push(serviceProblem('cadence', error));
  }
}

/** A service that refused or could not be reached, as a problem at its config section. */
function serviceProblem(section: 'connect' | 'cadence', error: unknown): ConfigProblem {
  if (!(error instanceof ExternalServiceError)) throw error;
  const path = error.hint?.match(/(connect|cadence)\.[A-Za-z.]+/)?.[0] ?? section;
  return { path, message: error.message };
}
