/**
 * Whole mode (connect-api.md "Capabilities"): one GetFilterContacts call per filter with
 * the four public parameters, the answer read as it arrives (whole-answer.ts) and handed on
 * in chunks, so memory holds a chunk or two, never the answer. Contacts come in the
 * instance's order; nothing downstream depends on it.
 *
 * An answer cut off part-way is transient once, then fatal, like any unparseable answer,
 * and never "no more contacts". The retry reads the filter again from the start: contacts
 * already handed on come again, and the run counts each contact once (RunTally.sight).
 */
import type { ConnectContact } from '../../core/types.js';
import { openStream, transportFailure, type HttpRequest, type HttpResponse, type HttpTarget } from '../http/request.js';
import { TransientError, withRetry, type RetryPolicy } from '../http/retry.js';
import { ScannedContacts, type ScannedAttribute } from './contacts-scan.js';
import type { ConnectClock } from './dates.js';
import { toContact, toWirePage, wirePageFromScan } from './schema.js';
import { UnparseableResponse } from './soap.js';
import { createWholeAnswerReader } from './whole-answer.js';

/** Contacts handed on at once: about a keyset page's worth. */
const CHUNK = 500;

export interface WholeReadDeps {
  target: HttpTarget;
  policy: RetryPolicy;
  clock: ConnectClock;
  /** What a complete, non-streamed answer means: its returndata, or a thrown failure (client.ts). */
  interpret(response: HttpResponse): unknown;
  /** The error for an application error's message (redacted, with its hint). */
  applicationError(message: string): Error;
  /** Maps a conversion failure (a record that breaks the contract) to the run's error. */
  convert<T>(convertData: () => T): T;
}

/** Reads one filter whole, handing on its contacts chunk by chunk through `push`. */
export async function readWholeFilter(
  deps: WholeReadDeps,
  request: HttpRequest,
  push: (contacts: ConnectContact[]) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const { target, policy } = deps;
  await withRetry((attempt) => readOnce(deps, request, attempt, push, signal), {
    policy,
    signal,
    logger: target.logger,
    context: { service: 'Connect', operation: 'GetFilterContacts', paging: 'whole' },
  });
}

async function readOnce(
  deps: WholeReadDeps,
  request: HttpRequest,
  attempt: number,
  push: (contacts: ConnectContact[]) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const response = await openStream(deps.target, request, attempt, signal);
  if (response.status !== 200) {
    // Faults, overload and error pages are small: the general reader says what they mean.
    deps.interpret({ status: response.status, headers: response.headers, body: await latin1Of(response.body, deps, request, signal) });
    throw new TransientError('status', `HTTP ${response.status}`, { status: response.status });
  }
  let pending: ScannedAttribute[][] = [];
  let position = 1;
  const emit = async (batch: ScannedAttribute[][]) => {
    const contacts = deps.convert(() => wirePageFromScan(new ScannedContacts('0', batch), position).contacts.map((wire) => toContact(wire, deps.clock)));
    position += batch.length;
    await push(contacts);
  };
  const reader = createWholeAnswerReader((attributes) => pending.push(attributes));
  const decoder = new TextDecoder('utf-8');
  await eachChunk(response.body, (error) => cutOff(deps, request, error, signal), async (chunk) => {
    unparseableAsTransient(() => reader.write(decoder.decode(chunk, { stream: true })));
    if (pending.length >= CHUNK) {
      const batch = pending;
      pending = [];
      await emit(batch);
    }
  });
  const outcome = unparseableAsTransient(() => {
    reader.write(decoder.decode());
    return reader.end();
  });
  if (pending.length > 0) await emit(pending);
  if (outcome.kind === 'error') throw deps.applicationError(outcome.message);
  if (outcome.kind === 'other') {
    const returndata = deps.interpret({ status: 200, headers: response.headers, body: Buffer.from(outcome.text, 'utf8').toString('latin1') });
    const page = deps.convert(() => (returndata instanceof ScannedContacts ? wirePageFromScan(returndata, 1) : toWirePage(returndata, 1)));
    await push(deps.convert(() => page.contacts.map((wire) => toContact(wire, deps.clock))));
  }
}

/**
 * Hands each chunk of a body to `take`, in turn. A failure to read is mapped by `failed`;
 * stopping early (the reader left, a bad record) stops reading the connection.
 */
async function eachChunk(body: AsyncIterable<Buffer>, failed: (error: unknown) => unknown, take: (chunk: Buffer) => Promise<void>): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        done = true;
        throw failed(error);
      }
      if (next.done) {
        done = true;
        return;
      }
      await take(next.value);
    }
  } finally {
    if (!done) await chunks.return?.(undefined);
  }
}

/** Runs a step of reading; an answer that breaks XML or the contract's shape is transient once, then fatal. */
function unparseableAsTransient<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof UnparseableResponse)) throw error;
    throw new TransientError('unparseable', `unparseable answer to GetFilterContacts (whole filter): ${error.message}`, { status: 200, maxFailures: 2 });
  }
}

/** A connection that fails while the answer streams in: the answer was cut off (transient once). */
function cutOff(deps: WholeReadDeps, request: HttpRequest, error: unknown, signal: AbortSignal): unknown {
  const mapped = transportFailure(deps.target, request, error, signal);
  if (!(mapped instanceof TransientError)) return mapped;
  return new TransientError('unparseable', `the whole-filter answer was cut off: ${mapped.message}`, { status: 200, maxFailures: 2, cause: error });
}

async function latin1Of(body: AsyncIterable<Buffer>, deps: WholeReadDeps, request: HttpRequest, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
  } catch (error) {
    throw transportFailure(deps.target, request, error, signal);
  }
  return Buffer.concat(chunks).toString('latin1');
}
