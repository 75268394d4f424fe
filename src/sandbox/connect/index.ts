/** The Connect emulator of the sandbox (connect-api.md over loopback HTTP). */
export { CONNECT_PATH, startConnectEmulator } from './server.js';
export type { BetweenPagesHook, ConnectCallOutcome, ConnectEmulator, ConnectEmulatorOptions, ConnectKnobs, ConnectRequestRecord } from './server.js';
export type { PageServed, UpdateApplied } from './methods.js';
export { CONNECT_NS, SOAP_ENVELOPE_NS } from './soap.js';
export type { ConnectProfile, WsdlServed } from './wsdl.js';
