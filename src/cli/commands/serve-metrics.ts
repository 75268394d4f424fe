/**
 * serve's /metrics (product.md §12): Prometheus text through prom-client. The same run
 * metrics as `import --metrics-file` (report/metrics.ts), read from the state at each
 * scrape, plus webhook answers counted by status code and the journal's entries pending
 * write-back (and failed for good). No label or value ever holds a secret.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { State } from '../../core/state.js';
import { metricsSnapshot, runMetricsRegistry } from '../../report/metrics.js';

export interface ServeMetrics {
  /** serve's own metrics (webhooks, write-backs, the journal). */
  registry: Registry;
  /** The text of a scrape: serve's own metrics and the last import's. */
  text(): Promise<string>;
  /** Counts one webhook answer. */
  answered(status: number): void;
  /** Counts one write-back outcome. */
  wrote(outcome: 'written' | 'failed' | 'retry'): void;
}

/** Registers serve's metrics; `state` is read at scrape time. */
export function serveMetrics(state: Pick<State, 'runs' | 'sync' | 'journal'>): ServeMetrics {
  const registry = new Registry();
  const webhooks = new Counter({
    name: 'connect_sync_webhook_requests_total',
    help: 'Opt-out webhook requests answered, by HTTP status.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: 'connect_sync_optout_write_backs_total',
    help: 'Opt-out journal entries written back to Connect by this process, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'connect_sync_optout_journal_entries',
    help: 'Opt-out journal entries by write-back state: pending (to write) and failed (refused by Connect for good).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await state.journal.counts();
      this.set({ state: 'pending' }, counts.pending);
      this.set({ state: 'failed' }, counts.failed);
    },
  });
  return {
    registry,
    async text() {
      return Registry.merge([registry, runMetricsRegistry(await metricsSnapshot(state))]).metrics();
    },
    answered(status) {
      webhooks.inc({ status: String(status) });
    },
    wrote(outcome) {
      writes.inc({ outcome });
    },
  };
}
