/**
 * `connect-sync serve` as a process among others (product.md §10): a 200 survives kill -9
 * the instant after; SIGTERM lets the request in flight finish and exits 0; and serve keeps
 * answering while an import writes to the same state file.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';
import { TOKEN, journalRows, post, runsRecorded, startServe, type ServeProcess } from '../support/serve-process.js';

const webhook = (config: Record<string, any>) => (config.optOut.webhook = { listen: '127.0.0.1:0', token: TOKEN });

function stopBody(id: string): string {
  return JSON.stringify({ studentId: id, departmentCode: 'ADMISSIONS', optedIn: false });
}

/** Resolves with everything the socket receives until `until` holds for it. */
function readUntil(socket: Socket, until: (text: string) => boolean): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (until(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Whether a new connection to the address is refused (the server stopped accepting). */
function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('serve as a process', () => {
  let project: SandboxProject | undefined;
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    serve?.child.kill('SIGKILL');
    await serve?.exited;
    await project?.close();
    project = serve = undefined;
  });

  it('keeps a change it answered 200 to when killed with SIGKILL the instant after', async () => {
    project = await sandboxProject({ contacts: 20, config: webhook });
    serve = await startServe(project.configPath, project.dir);
    const response = await post(`${serve.url}/cadence/optouts/${TOKEN}`, stopBody('100007'));
    serve.child.kill('SIGKILL');
    expect(response.status).toBe(200);
    expect((await serve.exited).signal).toBe('SIGKILL');
    expect(journalRows(project.statePath)).toEqual([{ contact_id: '100007', opted_out: 1, source: 'webhook', state: expect.stringMatching(/^(pending|done)$/) }]);
  });

  it('on SIGTERM stops accepting, answers the request in flight, and exits 0', async () => {
    project = await sandboxProject({ contacts: 20, config: webhook });
    serve = await startServe(project.configPath, project.dir);
    const { hostname, port } = new URL(serve.url);
    const body = stopBody('100003');
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    // Expect: 100-continue: the server's 100 says it has the request, before the body is sent.
    socket.write(
      `POST /cadence/optouts/${TOKEN} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await readUntil(socket, (text) => text.includes('100 Continue'));
    serve.child.kill('SIGTERM');
    await expect.poll(() => refused(serve!.url), { timeout: 10_000, interval: 20 }).toBe(true);
    const answered = readUntil(socket, (text) => /HTTP\/1\.1 200[\s\S]*\r\n\r\n\{.*\}\n/.test(text));
    socket.write(body);
    expect(await answered).toMatch(/^HTTP\/1\.1 200 OK/m);
    socket.destroy();
    // A serve that did not end would hold this wait until the test's own timeout fails it.
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(journalRows(project.statePath).map((row) => row.contact_id)).toEqual(['100003']);
  });

  it('answers every webhook while an import writes to the same state file', async () => {
    project = await sandboxProject({ contacts: 3000, cadence: { batchDelayMs: 150, rateLimitPerSecond: 0 }, config: webhook });
    serve = await startServe(project.configPath, project.dir);
    const ids = [...expectedCadence(project.sandbox).keys()].slice(0, 100);
    const importing = runCli(['-c', project.configPath, '--log-format', 'json', 'import', '--json', '--no-email'], { cwd: project.dir, timeoutMs: 120_000 });
    let importDone = false;
    void importing.then(() => (importDone = true));
    // Wait until the import is writing (its run is recorded), then send while it goes on.
    await expect.poll(() => runsRecorded(project!.statePath) > 0, { timeout: 30_000, interval: 20 }).toBe(true);
    const statuses: number[] = [];
    for (let start = 0; start < ids.length; start += 10) {
      const answers = await Promise.all(ids.slice(start, start + 10).map((id) => post(`${serve!.url}/cadence/optouts/${TOKEN}`, stopBody(id))));
      statuses.push(...answers.map((answer) => answer.status));
    }
    const sentDuringImport = !importDone;
    const result = await importing;
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentDuringImport).toBe(true);
    expect(statuses).toEqual(ids.map(() => 200));
    const rows = journalRows(project.statePath).filter((row) => row.source === 'webhook');
    expect(rows.map((row) => row.contact_id).sort()).toEqual([...ids].sort());
  }, 180_000);
});
