// Bridged fetch inside a real isolate against a loopback server: streaming, JSON, aborts,
// redirects (each hop egress-checked) and timers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestKernel } from './harness.ts';

let kernel: TestKernel;
let probe: string;
let server: Server;
let base: string;
let aborted = false;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/sse') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = ['hello', 'wörld 😀', 'done'];
      let i = 0;
      const next = () => {
        if (i === events.length) return void response.end();
        const bytes = Buffer.from(`data: ${events[i++]}\n\n`);
        // Split inside a multi-byte character to exercise streaming decode.
        response.write(bytes.subarray(0, 9));
        setTimeout(() => {
          response.write(bytes.subarray(9));
          setTimeout(next, 5);
        }, 5);
      };
      next();
    } else if (path === '/json') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.writeHead(201, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ method: request.method, received: JSON.parse(body) }));
      });
    } else if (path === '/endless') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => response.write('x'.repeat(1024)), 5);
      response.on('close', () => {
        clearInterval(timer);
        aborted = true;
      });
    } else if (path === '/redirect-local') {
      response.writeHead(302, { location: '/landing' }).end();
    } else if (path === '/redirect-away') {
      response.writeHead(302, { location: 'https://elsewhere.example/steal' }).end();
    } else {
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`at ${path}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kernel = await TestKernel.start({ egress: ['*'] });
  probe = (await kernel.activate('web-probe')).extensionId;
});

afterAll(async () => {
  await kernel?.stop();
  server?.close();
});

describe('fetch inside the isolate', () => {
  it('streams a response body as Uint8Array chunks and decodes split characters', async () => {
    const { content } = await kernel.invoke(probe, 'stream_sse', { url: `${base}/sse` });
    expect(content).toMatchObject({ events: ['hello', 'wörld 😀', 'done'], contentType: 'text/event-stream' });
    expect((content as { reads: number }).reads).toBeGreaterThan(1);
  });

  it('sends a JSON body and reads JSON back, also from a clone', async () => {
    const { content } = await kernel.invoke(probe, 'post_json', { base });
    expect(content).toEqual({
      status: 201,
      ok: true,
      json: { method: 'POST', received: { hello: 'wörld' } },
      text: JSON.stringify({ method: 'POST', received: { hello: 'wörld' } }),
    });
  });

  it('aborts a response mid-stream and closes the host connection', async () => {
    const { content } = await kernel.invoke(probe, 'abort_stream', { url: `${base}/endless` });
    expect(content).toBe('AbortError');
    await expect.poll(() => aborted, { timeout: 5000 }).toBe(true);
  });

  it('follows redirects to allowed hosts and refuses the others at the hop', async () => {
    const local = await kernel.invoke(probe, 'fetch_status', { url: `${base}/redirect-local` });
    expect(local.content).toEqual({ status: 200, redirected: true, url: `${base}/landing`, body: 'at /landing' });
    const away = await kernel.invoke(probe, 'fetch_status', { url: `${base}/redirect-away` });
    expect(away.content).toMatchObject({ error: 'EgressDenied', code: 'EgressDenied', message: expect.stringContaining('elsewhere.example') });
  });

  it('reports connection failures as TypeError, like browsers', async () => {
    const closed = new URL(base);
    closed.port = '1';
    const { content } = await kernel.invoke(probe, 'fetch_status', { url: closed.href });
    expect(content).toMatchObject({ error: 'TypeError' });
  });

  it('fails with the kernel\'s own code when it refuses the secret a request carries', async () => {
    // This kernel holds no secrets: the handle is granted, the value is not there to send.
    const { content } = await kernel.invoke(probe, 'fetch_with_secret', { url: `${base}/json` });
    expect(content).toMatchObject({ error: 'PermissionDenied', code: 'PermissionDenied', message: expect.stringContaining('PROBE_TOKEN') });
  });

  it('runs timers, intervals and AbortSignal.timeout, and routes console to the kernel log', async () => {
    const { content } = await kernel.invoke(probe, 'timers');
    expect(content).toEqual({ order: ['a', 'b'], timedOut: 'TimeoutError', ticks: 3 });
    expect(kernel.logs).toContainEqual(expect.objectContaining({ extensionId: probe, level: 'info', message: 'timers done {"ticks":3}' }));
  });
});
