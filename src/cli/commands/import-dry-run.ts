/**
 * `connect-sync import --dry-run`: plan, then print (product.md §7). Human output lists
 * `+` new, `~` changed (each field old → new) and `!` errors, then the counts; `--json`
 * prints NDJSON, one line per contact and a summary line. Nothing is written: the state
 * file is opened read-only, no lock is taken, and no Cadence import or Connect update is
 * made (the write-back's pending changes are listed, not written).
 */
import { previewImport, type DryRunEvent, type DryRunSummary } from '../../core/sync/preview-sink.js';
import type { PlanItem } from '../../core/plan.js';
import type { Config } from '../../config/schema.js';
import { ExitCode } from '../../errors.js';
import { println, type CliContext } from '../context.js';
import { interruptSignal, openServices } from '../services.js';
import { printPendingWrites } from './optouts.js';

export interface DryRunOptions {
  full: boolean;
  filter?: number[];
  json: boolean;
  /** Contacts listed per kind (create, update, error); undefined: 50 on a terminal, all otherwise. */
  limit?: number;
}

/** Plans and prints. Exit 0 (a dry run does not fail on contact errors: they are listed). */
export async function dryRunCommand(config: Config, options: DryRunOptions, context: CliContext): Promise<number> {
  const services = openServices(config, context.logger, { readonly: true });
  const interrupt = interruptSignal(context.logger);
  const limit = options.json ? Infinity : (options.limit ?? (context.interactive ? 50 : Infinity));
  try {
    if (config.optOut) await printPendingWrites(config, services, { json: options.json, context, where: ' in Connect' });
    const listed = { create: 0, update: 0, error: 0 };
    const summary = await previewImport(config, { ...services, signal: interrupt.signal }, { full: options.full, filterIds: options.filter }, (event) =>
      printEvent(event, options, context, listed, limit),
    );
    printSummary(summary, options, context, listed, limit);
    return ExitCode.Ok;
  } finally {
    interrupt.dispose();
    await services.close();
  }
}

function printEvent(event: DryRunEvent, options: DryRunOptions, context: CliContext, listed: Record<'create' | 'update' | 'error', number>, limit: number): void {
  if (event.type === 'warning') {
    context.logger.warn({ warning: event.message }, 'config warning');
    return;
  }
  if (event.type === 'filter') {
    if (event.note && !options.json) println(context, `# ${event.note}`);
    return;
  }
  const { item } = event;
  if (options.json) {
    println(context, JSON.stringify(contactLine(item)));
    return;
  }
  if (item.action === 'unchanged') return;
  listed[item.action] += 1;
  if (listed[item.action] > limit) return;
  const who = `${item.contactId} ${event.name}`.trim();
  if (item.action === 'error') {
    println(context, `! ${who}: ${item.issues.filter((issue) => issue.severity === 'error').map((issue) => `${issue.code} ${issue.message}`).join('; ')}`);
  } else if (item.action === 'create') {
    println(context, `+ ${who}${event.source === 'retry' ? ' (retry)' : ''}`);
  } else {
    println(context, `~ ${who}${event.source === 'retry' ? ' (retry)' : ''}`);
    for (const [field, change] of Object.entries(item.changes)) println(context, `    ${field}: ${show(change.old)} → ${show(change.new)}`);
  }
}

/**
 * One NDJSON line, keys in the order of product.md §7. A field absent on one side is
 * `null`, so every change has both `old` and `new` (JSON.stringify would drop undefined).
 */
export function contactLine(item: PlanItem): Record<string, unknown> {
  const errors = item.action === 'error' ? item.issues.filter((issue) => issue.severity === 'error') : [];
  const changes =
    item.action === 'update'
      ? Object.fromEntries(Object.entries(item.changes).map(([field, change]) => [field, { old: change.old ?? null, new: change.new ?? null }]))
      : item.action === 'create'
        ? Object.fromEntries(Object.entries(item.payload).map(([field, value]) => [field, { old: null, new: value }]))
        : {};
  return {
    type: 'contact',
    contactId: item.contactId,
    action: item.action,
    changes,
    error: errors.length === 0 ? null : { code: errors[0]!.code, message: errors.map((issue) => issue.message).join('; '), codes: errors.map((issue) => issue.code) },
  };
}

function printSummary(summary: DryRunSummary, options: DryRunOptions, context: CliContext, listed: Record<'create' | 'update' | 'error', number>, limit: number): void {
  if (options.json) {
    const { matched, create, update, unchanged, errors, warnings, perFilter } = summary;
    println(context, JSON.stringify({ type: 'summary', matched, create, update, unchanged, errors, warnings, perFilter }));
    return;
  }
  const omitted = Object.values(listed).reduce((sum, count) => sum + Math.max(0, count - limit), 0);
  if (omitted > 0) println(context, `… and ${omitted} more not listed (--limit N to list more, --json for everything)`);
  println(context);
  println(context, `Dry run: ${summary.matched} matched: ${summary.create} to create, ${summary.update} to update, ${summary.unchanged} unchanged, ${summary.errors} errors, ${summary.warnings} warnings`);
  for (const [filterId, counts] of Object.entries(summary.perFilter)) {
    if (counts.matched === 0) continue;
    println(context, `  filter ${filterId}: ${counts.matched} matched, ${counts.create} create, ${counts.update} update, ${counts.unchanged} unchanged, ${counts.errors} errors`);
  }
  println(context, 'Nothing was written.');
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
