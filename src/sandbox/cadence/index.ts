/** The Cadence emulator's public surface: start it, and the types of what it gives back. */
export { startCadenceEmulator } from './server.js';
export { DEFAULT_CADENCE_KNOBS } from './model.js';
export type {
  BatchInfo,
  BatchStatus,
  CadenceEmulator,
  CadenceEmulatorOptions,
  CadenceKnobs,
  CadenceStats,
  HeldContact,
  RequestLogEntry,
  SeedContact,
} from './model.js';
export type { WebhookDelivery } from './webhooks.js';
