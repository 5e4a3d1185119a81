// The workbench side of extensions: the files of an installed extension's `browser` entry, and the
// HTML document a contributed artifact renderer runs in. That document is loaded into
// <iframe sandbox="allow-scripts"> (an opaque origin: no cookies, storage or DOM of the page) and
// carries its own Content-Security-Policy: only its two inline scripts (by hash) may run, and it
// may fetch, frame or submit nothing. Renderers talk to the page by postMessage only.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { inject, injectable } from 'inversify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sha256Hex, unpack } from '@penny/marketplace';
import { ForbiddenError, NotFoundError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import { Authenticator, principalOf, tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object } from '../http/schemas.ts';
import { InstalledExtensions, type InstalledExtension } from './installed-extensions.ts';

const extensionIdSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}\\.[a-z0-9][a-z0-9-]{0,62}$' };
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
/** A browser file served on its own is inert: not a document anyone can script or frame. */
const FILE_CSP = "default-src 'none'; sandbox";

/**
 * Defines the global `penny` inside the frame: `penny.onRender(fn)` receives `(artifact, theme,
 * mode, renderer)` from the page's render messages, `penny.resize(height)` and
 * `penny.action(name, payload)` answer. Messages from anything but the parent window are ignored.
 */
const FRAME_BOOTSTRAP = `(() => {
  'use strict';
  const root = document.getElementById('root');
  let handler = null;
  let last = null;
  const post = (message) => window.parent.postMessage(Object.assign({ penny: 1 }, message), '*');
  const applyTheme = (theme) => {
    if (!theme || typeof theme !== 'object') return;
    document.documentElement.dataset.themeKind = String(theme.kind || 'light');
    const tokens = theme.tokens && typeof theme.tokens === 'object' ? theme.tokens : {};
    for (const [name, value] of Object.entries(tokens)) {
      if (/^[a-z0-9-]{1,40}$/.test(name) && typeof value === 'string') document.documentElement.style.setProperty('--' + name, value);
    }
  };
  const deliver = () => {
    if (handler && last) handler(last.artifact, last.theme, last.mode, last.renderer);
  };
  window.penny = Object.freeze({
    root,
    onRender(fn) { handler = typeof fn === 'function' ? fn : null; deliver(); },
    resize(height) { post({ type: 'resize', height: Math.max(0, Math.ceil(Number(height) || 0)) }); },
    action(action, payload) { post({ type: 'action', action: String(action), payload: payload === undefined ? null : payload }); },
  });
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.penny !== 1 || message.type !== 'render' || typeof message.artifact !== 'object') return;
    last = message;
    applyTheme(message.theme);
    deliver();
  });
  new ResizeObserver(() => window.penny.resize(document.documentElement.scrollHeight)).observe(document.body);
  post({ type: 'ready' });
})();`;

const FRAME_STYLE = `html,body{margin:0;padding:0;background:transparent;color:var(--text,#1b2130);font-family:var(--font-sans,system-ui,sans-serif);font-size:14px}#root{padding:2px}`;

/** Inline script text may not close its element early; `<\/` means the same inside JavaScript strings. */
function inlineSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

@injectable()
export class ExtensionBrowserRoutes implements RouteContribution {
  private readonly files = new Map<string, Map<string, Uint8Array>>();

  constructor(
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(Database) private readonly db: Database,
    @inject(Authenticator) private readonly auth: Authenticator,
  ) {}

  register(app: FastifyInstance): void {
    app.get<{ Params: { extensionId: string; file: string } }>(
      '/v1/extensions/:extensionId/browser/:file',
      {
        config: { access: { permission: 'extensions.read' } },
        schema: {
          tags: ['extensions'],
          summary: "A file of an installed extension's browser entry (its directory in the signed bundle)",
          params: object({ extensionId: extensionIdSchema, file: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } }),
        },
      },
      async (request, reply) => {
        const ext = await this.withBrowserEntry(tenantOf(request).tenantId, request.params.extensionId);
        const entryDir = path.posix.dirname(ext.manifest.browser!.replace(/^\.\//, ''));
        const wanted = entryDir === '.' ? request.params.file : `${entryDir}/${request.params.file}`;
        const type = CONTENT_TYPES[path.posix.extname(wanted).toLowerCase()];
        // The server-side entry may share the directory; it is not the workbench's to load.
        const isMain = wanted === ext.manifest.main?.replace(/^\.\//, '');
        const bytes = type && !isMain ? (await this.bundleFiles(ext)).get(wanted) : undefined;
        if (!bytes) throw new NotFoundError(`${ext.extensionId} has no browser file "${request.params.file}".`);
        return this.secure(reply, FILE_CSP).type(type!).send(Buffer.from(bytes));
      },
    );

    app.get<{ Params: { extensionId: string }; Querystring: { tenant: string; renderer: string } }>(
      '/v1/extensions/:extensionId/renderer-frame',
      {
        // Loaded by an iframe, which cannot send X-Penny-Tenant: the tenant comes in the query and
        // membership is checked here.
        config: { access: { signedIn: true } },
        schema: {
          tags: ['extensions'],
          summary: 'The sandboxed document in which a contributed artifact renderer runs',
          params: object({ extensionId: extensionIdSchema }),
          querystring: object({
            tenant: { type: 'string', minLength: 1, maxLength: 64 },
            renderer: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
          }),
        },
      },
      async (request, reply) => {
        const tenant = await this.auth.resolveTenant(principalOf(request), request.query.tenant);
        if (!tenant.permissions.has('extensions.read'))
          throw new ForbiddenError(`Your role "${tenant.role}" cannot view extension content in "${tenant.slug}".`);
        const ext = await this.withBrowserEntry(tenant.tenantId, request.params.extensionId);
        if (!ext.manifest.contributes?.artifactRenderers?.some((r) => r.id === request.query.renderer)) {
          throw new NotFoundError(`${ext.extensionId} contributes no artifact renderer "${request.query.renderer}".`);
        }
        const entry = ext.manifest.browser!.replace(/^\.\//, '');
        const bytes = (await this.bundleFiles(ext)).get(entry);
        if (!bytes) throw new NotFoundError(`The browser entry ${entry} is missing from ${ext.extensionId}'s bundle.`);
        const script = inlineSafe(Buffer.from(bytes).toString('utf8'));
        const csp = [
          "default-src 'none'",
          `script-src ${hashOf(FRAME_BOOTSTRAP)} ${hashOf(script)}`,
          "style-src 'unsafe-inline'",
          'img-src data: blob:',
          'font-src data:',
          "base-uri 'none'",
          "form-action 'none'",
          "frame-ancestors 'self'",
          'sandbox allow-scripts',
        ].join('; ');
        const html =
          `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><style>${FRAME_STYLE}</style></head>` +
          `<body><div id="root"></div><script>${FRAME_BOOTSTRAP}</script><script>${script}</script></body></html>`;
        return this.secure(reply, csp).type('text/html; charset=utf-8').send(html);
      },
    );
  }

  private secure(reply: FastifyReply, csp: string): FastifyReply {
    return reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-cache')
      .header('referrer-policy', 'no-referrer');
  }

  private async withBrowserEntry(tenantId: string, extensionId: string): Promise<InstalledExtension> {
    const ext = await this.installed.get(tenantId, extensionId);
    if (!ext.enabled) throw new NotFoundError(`Extension ${extensionId} is disabled in this tenant.`);
    if (!ext.manifest.browser) throw new NotFoundError(`Extension ${extensionId} has no browser entry.`);
    return ext;
  }

  /** The bundle's files, read from the catalog and checked against the digest recorded at install. */
  private async bundleFiles(ext: InstalledExtension): Promise<Map<string, Uint8Array>> {
    const cached = this.files.get(ext.bundleSha256);
    if (cached) return cached;
    const [row] = await this.db.query<{ bytes: Buffer }>(`SELECT bytes FROM extension_bundle WHERE id = ?`, [ext.bundleId]);
    if (!row) throw new NotFoundError(`The bundle of ${ext.extensionId} ${ext.version} is missing from the catalog.`);
    const bytes = Buffer.from(row.bytes);
    if (sha256Hex(bytes) !== ext.bundleSha256) throw new Error(`bundle of ${ext.extensionId} does not match its recorded digest`);
    const files = new Map(unpack(bytes).files.map((f) => [f.path, f.bytes] as const));
    this.files.set(ext.bundleSha256, files);
    return files;
  }
}
