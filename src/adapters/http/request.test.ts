import type { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../test/support/capture-logger.js';
import { startServer, type TestServer } from '../../../test/support/http-server.js';
import { createAgent, sendOnce, type HttpTarget } from './request.js';
import { TransientError } from './retry.js';

const servers: TestServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function target(timeoutMs = 5000, capture = captureLogger()): HttpTarget {
  const dispatcher = createAgent({ connections: 2, timeoutMs });
  agents.push(dispatcher);
  return { service: 'Cadence', dispatcher, timeoutMs, logger: capture.logger };
}

describe('sendOnce', () => {
  it('returns any status with the whole body, and logs method, path and status but no header', async () => {
    const server = await startServer(() => ({ status: 503, headers: { 'retry-after': '1' }, body: 'busy' }));
    servers.push(server);
    const capture = captureLogger();
    const response = await sendOnce(
      target(5000, capture),
      { method: 'GET', url: new URL(`${server.origin}/v2/users/ADM`), headers: { authorization: 'Basic c2VjcmV0LWtleTpzZWNyZXQ=' } },
      1,
    );
    expect(response).toMatchObject({ status: 503, body: 'busy' });
    expect(response.headers['retry-after']).toBe('1');
    const logged = capture.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([expect.objectContaining({ level: 20, msg: 'http request', method: 'GET', path: '/v2/users/ADM', status: 503, attempt: 1 })]);
    expect(capture.text()).not.toContain('c2VjcmV0');
  });

  it('turns a refused connection into an "unreachable" transient failure', async () => {
    const server = await startServer(() => ({ status: 200 }));
    await server.close();
    const failure = await sendOnce(target(), { method: 'GET', url: new URL(server.origin), headers: {} }, 1).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).kind).toBe('unreachable');
  });

  it('turns a silent server into a "timeout" transient failure', async () => {
    const server = await startServer(() => undefined); // never answers
    servers.push(server);
    const failure = await sendOnce(target(200), { method: 'GET', url: new URL(server.origin), headers: {} }, 1).catch((error: unknown) => error);
    expect((failure as TransientError).kind).toBe('timeout');
  });

  it('turns a reset connection into a "network" transient failure', async () => {
    const server = await startServer((_request, res) => {
      res.socket?.destroy();
      return undefined;
    });
    servers.push(server);
    const failure = await sendOnce(target(), { method: 'GET', url: new URL(server.origin), headers: {} }, 1).catch((error: unknown) => error);
    expect((failure as TransientError).kind).toBe('network');
  });

  it('turns a body cut short into a "network" transient failure', async () => {
    const server = await startServer((_request, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only a part');
      setImmediate(() => res.socket?.destroy());
      return undefined;
    });
    servers.push(server);
    const failure = await sendOnce(target(), { method: 'GET', url: new URL(server.origin), headers: {} }, 1).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).kind).toBe('network');
  });

  it("rethrows the caller's abort reason rather than a transient failure", async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const controller = new AbortController();
    const pending = sendOnce(target(), { method: 'GET', url: new URL(server.origin), headers: {} }, 1, controller.signal);
    setImmediate(() => controller.abort(new Error('operator stopped the run')));
    await expect(pending).rejects.toThrow('operator stopped the run');
  });
});
