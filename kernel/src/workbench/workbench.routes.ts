// Static files of the workbench and the SPA fallback: any GET that is not an API, docs or probe path
// and asks for HTML gets index.html, so client routes (/tools, /admin/audit, /invitations/accept)
// survive a reload. Hashed assets are cached for a year; index.html is always revalidated, so a new
// build is picked up on the next navigation.
import fs from 'node:fs/promises';
import path from 'node:path';
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { RouteContribution } from '../http/route-contribution.ts';
import { WorkbenchConfig } from './workbench.config.ts';

/** Paths the kernel owns; an unknown path below them is a 404 problem, never the SPA. */
const KERNEL_PATHS = ['/v1', '/docs', '/healthz', '/readyz', '/metrics'];
const ASSET_CACHE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const open = { access: { public: true }, rateLimited: false } as const;

export function isKernelPath(pathname: string): boolean {
  return KERNEL_PATHS.some((owned) => pathname === owned || pathname.startsWith(`${owned}/`));
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

/** Shown when the kernel runs without a built workbench; no scripts, so the CSP holds. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Penny</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Penny is running</h1>
<p>The workbench has not been built yet. Build it once, then reload this page:</p>
<pre style="background: #f3f4f6; padding: 1rem; border-radius: 6px">npm run build -w @penny/workbench-ui</pre>
<p><code>npm start</code> at the repository root builds it for you. The HTTP API is available now:
see <a href="/docs">the API documentation</a>.</p>
</body></html>
`;

@injectable()
export class WorkbenchRoutes implements RouteContribution {
  constructor(@inject(WorkbenchConfig) private readonly config: WorkbenchConfig) {}

  async register(app: FastifyInstance): Promise<void> {
    const root = this.config.distDir;
    // Its own scope, so reply.sendFile does not clash with another feature registering @fastify/static.
    await app.register(async (scope) => {
      // serve: false, because the plugin's own routes cannot declare the access every route needs.
      await scope.register(fastifyStatic, { root, serve: false, preCompressed: true, cacheControl: false, etag: true, lastModified: true });
      const handler = (request: FastifyRequest, reply: FastifyReply) => this.serve(request, reply);
      scope.get('/', { config: open, schema: { hide: true } }, handler);
      scope.get('/*', { config: open, schema: { hide: true } }, handler);
    });
  }

  private async serve(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const pathname = decodePath(request.url.split('?')[0] ?? '/');
    if (pathname === null || isKernelPath(pathname)) return reply.callNotFound();
    const root = this.config.distDir;
    if (!(await isFile(path.join(root, 'index.html')))) {
      if (!wantsHtml(request) && pathname !== '/') return reply.callNotFound();
      return reply.header('cache-control', REVALIDATE).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    }
    const file = path.resolve(root, `.${pathname}`);
    const inside = file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
    if (inside && pathname !== '/' && (await isFile(file))) {
      const hashed = pathname.startsWith('/assets/');
      reply.header('cache-control', hashed ? ASSET_CACHE : REVALIDATE).header('vary', 'accept-encoding');
      return reply.sendFile(pathname.slice(1));
    }
    if (pathname !== '/' && !wantsHtml(request)) return reply.callNotFound();
    reply.header('cache-control', REVALIDATE).header('vary', 'accept-encoding');
    const connect = this.config.connectSources ?? [];
    if (connect.length) reply.header('content-security-policy', withConnectSources(String(reply.getHeader('content-security-policy') ?? ''), connect));
    return reply.sendFile('index.html');
  }
}

/** The page's CSP with `connect-src` widened by the given origins (everything else unchanged). */
export function withConnectSources(csp: string, origins: string[]): string {
  const directives = csp.split(';').map((d) => d.trim()).filter(Boolean);
  const index = directives.findIndex((d) => d.startsWith('connect-src '));
  if (index >= 0) directives[index] = `${directives[index]} ${origins.join(' ')}`;
  else directives.push(`connect-src 'self' ${origins.join(' ')}`);
  return directives.join(';');
}

function decodePath(raw: string): string | null {
  try {
    const decoded = decodeURIComponent(raw);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}
