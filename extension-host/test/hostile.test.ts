// Containment: a deliberately hostile extension, run in the real host process over the real
// protocol, must fail its own calls clearly and leave the host and other extensions unharmed.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from 'vscode-jsonrpc';
import { PennyErrorCodes, ToolInvokeRequest } from '@penny/manifests';
import { TestKernel, rejectionOf, waitFor } from './harness.ts';

const SECRET = 'sk-live-7f3a9c1e5b2d8f4a';
const hostileLimits = { memoryMb: 32, cpuMsPerCall: 500, wallMsPerCall: 3000 };

let kernel: TestKernel;
let hostile: string;
let echo: string;
let neighbor: string;
let server: Server;
let serverUrl: string;
const seenByServer: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  // Echoes the request headers back in the body, dribbled out a few bytes at a time so the secret
  // straddles chunk boundaries, and in a response header.
  server = createServer((request, response) => {
    seenByServer.push(request.headers);
    const body = Buffer.from(JSON.stringify({ echoed: request.headers }));
    response.writeHead(200, { 'content-type': 'application/json', 'x-echo-authorization': String(request.headers.authorization) });
    let offset = 0;
    const drip = () => {
      if (offset >= body.length) return void response.end();
      response.write(body.subarray(offset, (offset += 7)));
      setImmediate(drip);
    };
    drip();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  kernel = await TestKernel.start({
    egress: ['127.0.0.1'],
    secrets: { 'test.hostile': { ECHO_TOKEN: SECRET }, 'test.neighbor': { NEIGHBOR_TOKEN: 'neighbor-secret-value' } },
  });
  hostile = (await kernel.activate('hostile', { limits: hostileLimits })).extensionId;
  echo = (await kernel.activate('echo-table')).extensionId;
  neighbor = (await kernel.activate('neighbor')).extensionId;
});

afterAll(async () => {
  await kernel?.stop();
  server?.close();
});

const ok = () => kernel.invoke(hostile, 'ok');

describe('hostile extension', () => {
  it('stops an infinite loop with a timeout, resets the isolate, and serves the next call', async () => {
    const restartsBefore = kernel.crashes.length;
    const spinning = kernel.invoke(hostile, 'spin');
    // The host's own event loop stays free: heartbeat and other extensions answer meanwhile.
    const first = await Promise.race([kernel.ping().then(() => 'pong'), spinning.then(() => 'spin', () => 'spin')]);
    expect(first).toBe('pong');
    await expect(kernel.invoke(echo, 'echo', { still: 'here' })).resolves.toEqual({ content: { still: 'here' } });
    const error = await rejectionOf(spinning);
    expect(error.code).toBe(PennyErrorCodes.ToolTimeout);
    expect(error.message).toMatch(/tool spin exceeded 500 ms of CPU/);
    expect(error.data).toMatchObject({ extensionId: hostile, reason: 'cpu' });
    await expect(ok()).resolves.toEqual({ content: 'fine' });
    expect(kernel.crashes.slice(restartsBefore)).toEqual([expect.objectContaining({ extensionId: hostile, reason: 'cpu' })]);
  });

  it('catches CPU burnt after an await, where the synchronous timeout cannot see it', async () => {
    const error = await rejectionOf(kernel.invoke(hostile, 'spin_after_await'));
    expect(error.code).toBe(PennyErrorCodes.ToolTimeout);
    await expect(ok()).resolves.toEqual({ content: 'fine' });
  });

  it('resets an isolate that spins in a timer outside any call', async () => {
    const before = kernel.crashes.length;
    await expect(kernel.invoke(hostile, 'timer_spin')).resolves.toEqual({ content: 'scheduled' });
    await waitFor(() => kernel.crashes.length > before, 30_000);
    expect(kernel.crashes[before]).toMatchObject({ extensionId: hostile, reason: 'cpu' });
    await expect(ok()).resolves.toEqual({ content: 'fine' });
  });

  it('disposes an isolate over its memory limit with a clear error, then restarts it', async () => {
    const error = await rejectionOf(kernel.invoke(hostile, 'bomb'));
    expect(error.code).toBe(PennyErrorCodes.MemoryLimit);
    expect(error.message).toMatch(/exceeded its 32 MB memory limit/);
    await expect(ok()).resolves.toEqual({ content: 'fine' });
    const stats = await kernel.stats();
    expect(stats.isolates.find((i) => i.extensionId === hostile)).toMatchObject({ state: 'active' });
  });

  it('ends a promise that never settles at the wall-clock deadline', async () => {
    const started = Date.now();
    const error = await rejectionOf(kernel.invoke(hostile, 'hang'));
    expect(error.code).toBe(PennyErrorCodes.ToolTimeout);
    expect(error.message).toMatch(/did not finish within 3000 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    await expect(ok()).resolves.toEqual({ content: 'fine' });
  });

  it('survives unhandled rejections and thrown non-Errors without a host fault', async () => {
    const pid = kernel.child.pid;
    const unhandled = await rejectionOf(kernel.invoke(hostile, 'reject_unhandled'));
    expect(unhandled.code).toBe(PennyErrorCodes.ExtensionError);
    expect(unhandled.message).toMatch(/unhandled rejection in test.hostile: nobody listens/);
    await expect(kernel.invoke(hostile, 'throw_later')).resolves.toEqual({ content: 'scheduled' });
    await waitFor(() => kernel.logs.some((l) => l.message === 'uncaught error in a timer callback: late non-error'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const expectations: Record<string, RegExp> = {
      number: /threw a non-Error value: 42/,
      null: /threw a non-Error value: null/,
      string: /threw a non-Error value: a plain string/,
      'hostile-object': /threw a non-Error value: \{\}/,
      'getter-error': /threw a value that could not be described/,
    };
    for (const [kind, message] of Object.entries(expectations)) {
      const error = await rejectionOf(kernel.invoke(hostile, 'throw_value', { kind }));
      expect(error.code, kind).toBe(PennyErrorCodes.ExtensionError);
      expect(error.message, kind).toMatch(message);
    }
    await expect(ok()).resolves.toEqual({ content: 'fine' });
    const stats = await kernel.stats();
    expect(stats.hostFaults).toBe(0);
    expect(kernel.child.pid).toBe(pid);
    expect(kernel.child.exitCode).toBeNull();
  });

  it('finds no Node API, host global or bridge internals', async () => {
    const { content } = await kernel.invoke(hostile, 'probe');
    expect(content).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      global: 'undefined',
      Buffer: 'undefined',
      ivm: 'undefined',
      bridgeCall: 'undefined',
      bridgeSend: 'undefined',
      dispatch: 'undefined',
      viaFunction: 'ok:undefined/undefined',
      viaConstructor: 'ok:undefined',
      dynamicImport: expect.objectContaining({ ok: false }),
    });
  });

  it('cannot tamper with the API or with what the host passed in', async () => {
    const callId = 'call-tamper';
    const { content } = await kernel.connection.sendRequest(ToolInvokeRequest, {
      extensionId: hostile,
      tool: 'mutate',
      args: { original: true },
      callId,
      context: { userId: 'user-1' },
    });
    expect(content).toMatchObject({
      replaceFetch: 'threw:TypeError',
      redefineId: 'threw:TypeError',
      replaceStorageGet: 'threw:TypeError',
      replaceGlobalPenny: 'threw:TypeError',
      extensionIdAfter: hostile,
      globalPennyIsSame: true,
    });
    // Storage and artifacts still land under the extension's own id, whatever it tried.
    expect(kernel.storage.get(hostile)?.get('who')).toBe(hostile);
    expect(kernel.artifacts.at(-1)).toMatchObject({ extensionId: hostile, artifact: { title: 'made after tampering' } });
    // A second call gets fresh arguments: the first call's mutation did not stick anywhere.
    const again = await kernel.invoke(hostile, 'mutate', { original: true });
    expect((again.content as Record<string, unknown>).argsBefore).toBe('{"original":true}');
  });

  it('is refused fetch to hosts outside its permissions or the tenant policy', async () => {
    const notDeclared = await kernel.invoke(hostile, 'fetch_url', { url: 'https://evil.example/steal' });
    expect(notDeclared.content).toMatchObject({
      ok: false,
      code: 'EgressDenied',
      message: 'fetch to evil.example is not allowed: test.hostile has no permissions.network entry for it',
    });
    const notInPolicy = await kernel.invoke(hostile, 'fetch_url', { url: 'https://blocked.example/' });
    expect(notInPolicy.content).toMatchObject({ ok: false, code: 'EgressDenied', message: "fetch to blocked.example is not allowed by the tenant's egress policy" });
    const scheme = await kernel.invoke(hostile, 'fetch_url', { url: 'file:///etc/passwd' });
    expect(scheme.content).toMatchObject({ ok: false });
    await expect(kernel.invoke(hostile, 'fetch_url', { url: serverUrl })).resolves.toEqual({ content: { ok: true, value: 200 } });
  });

  it("cannot read another extension's storage, secrets or datasources", async () => {
    await kernel.invoke(neighbor, 'remember', { note: 'neighbor private note' });
    await expect(kernel.invoke(neighbor, 'query_finance')).resolves.toEqual({ content: [['select revenue']] });
    const { content } = await kernel.invoke(hostile, 'read_neighbor');
    expect(content).toMatchObject({
      note: null,
      secret: { ok: false, code: 'PermissionDenied' },
      datasource: { ok: false, code: 'PermissionDenied' },
    });
    expect((content as { keys: string[] }).keys).not.toContain('note');
    expect(kernel.secretLookups.filter((l) => l.name === 'NEIGHBOR_TOKEN')).toEqual([]);
  });

  it('never lets the secret value into the isolate, even when the server echoes it back', async () => {
    const { content } = await kernel.invoke(hostile, 'echo_headers', { url: serverUrl });
    const seen = seenByServer.at(-1)!;
    expect(seen.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen['x-api-key']).toBe(SECRET);
    const result = content as { handle: string; body: string; headers: Record<string, string> };
    expect(result.handle).toBe('penny-secret:ECHO_TOKEN');
    expect(JSON.parse(result.body).echoed.authorization).toBe('Bearer penny-secret:ECHO_TOKEN');
    expect(result.headers['x-echo-authorization']).toBe('Bearer penny-secret:ECHO_TOKEN');
    expect(JSON.stringify(content)).not.toContain(SECRET);
    expect(JSON.stringify(content)).not.toContain(SECRET.slice(0, 12));
  });

  it('enforces the declared result size', async () => {
    const error = await rejectionOf(kernel.invoke(hostile, 'huge_result'));
    expect(error.code).toBe(PennyErrorCodes.ResultTooLarge);
  });

  it('kept the host healthy through all of the above', async () => {
    const stats = await kernel.stats();
    expect(stats.hostFaults).toBe(0);
    expect(stats.isolates.find((i) => i.extensionId === hostile)!.restarts).toBeGreaterThanOrEqual(4);
    await expect(kernel.invoke(echo, 'echo', { done: true })).resolves.toEqual({ content: { done: true } });
  });
});

describe('host process killed mid-call', () => {
  it('fails pending requests fast when the connection goes away', async () => {
    const doomed = await TestKernel.start();
    try {
      const id = (await doomed.activate('hostile', { limits: { ...hostileLimits, wallMsPerCall: 60_000 } })).extensionId;
      const pending = doomed.invoke(id, 'hang');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const killedAt = Date.now();
      doomed.child.kill('SIGKILL');
      const error = await rejectionOf(pending);
      expect(Date.now() - killedAt).toBeLessThan(5000);
      expect(error.code).toBe(ErrorCodes.PendingResponseRejected);
      await doomed.exited;
      await expect(async () => doomed.ping()).rejects.toThrow();
    } finally {
      await doomed.stop();
    }
  });
});
