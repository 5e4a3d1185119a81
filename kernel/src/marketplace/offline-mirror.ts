// Air-gapped installs: every `*.pennyext` file in a local directory enters the catalog through the
// same verification as an upload. Bundles already present are skipped, so a mirror can be imported
// again after new files were copied in.
import { inject, injectable } from 'inversify';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AuditLog } from '../audit/audit.service.ts';
import { KernelConfig } from '../config/config.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { KernelError, NotFoundError, ValidationError } from '../core/errors.ts';
import { Catalog } from './catalog.service.ts';
import { MarketplaceConfig } from './marketplace.config.ts';
import { auditRefusals, BundleRejectedError } from './marketplace.errors.ts';
import { SYSTEM_ACTOR, type Actor } from './marketplace.types.ts';

export interface MirrorFileResult {
  file: string;
  status: 'published' | 'unchanged' | 'refused';
  extensionId?: string;
  version?: string;
  /** For refusals: the problem code and its reason (`bad_signature`, `unknown_key`, ...). */
  code?: string;
  reason?: string;
  detail?: string;
}

export interface MirrorImport {
  directory: string;
  published: number;
  unchanged: number;
  refused: number;
  files: MirrorFileResult[];
}

export const BUNDLE_FILE_SUFFIX = '.pennyext';

@injectable()
export class OfflineMirror {
  constructor(
    @inject(Catalog) private readonly catalog: Catalog,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(MarketplaceConfig) private readonly config: MarketplaceConfig,
  ) {}

  importDirectory(directory: string, actor: Actor): Promise<MirrorImport> {
    const context = { tenantId: null, actor, action: 'extension.mirrorImportRefused', target: `directory:${directory}` };
    return auditRefusals(this.audit, context, async () => {
      if (!path.isAbsolute(directory)) throw new ValidationError(`The mirror path must be absolute, got "${directory}".`, [{ path: 'body.path', message: 'must be an absolute path' }]);
      let names: string[];
      try {
        const stat = await fs.stat(directory);
        if (!stat.isDirectory()) throw new ValidationError(`${directory} is not a directory; give the directory that holds the .pennyext files.`);
        names = await fs.readdir(directory);
      } catch (error) {
        if (error instanceof KernelError) throw error;
        throw new NotFoundError(`The kernel cannot read the directory ${directory} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and that the kernel's user may read it.`);
      }
      const files: MirrorFileResult[] = [];
      for (const name of names.filter((n) => n.endsWith(BUNDLE_FILE_SUFFIX)).sort()) files.push(await this.importFile(path.join(directory, name), actor));
      const count = (status: MirrorFileResult['status']) => files.filter((f) => f.status === status).length;
      const summary = { directory, published: count('published'), unchanged: count('unchanged'), refused: count('refused'), files };
      const payload = { directory, published: summary.published, unchanged: summary.unchanged, refused: summary.refused };
      await this.audit.record({ tenantId: null, actorId: actor.id, actor: actor.label, action: 'extension.mirrorImported', target: `directory:${directory}`, payload, ip: actor.ip ?? null });
      return summary;
    });
  }

  private async importFile(file: string, actor: Actor): Promise<MirrorFileResult> {
    const name = path.basename(file);
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return { file: name, status: 'refused', code: 'bundle_rejected', reason: 'unsafe_entry', detail: `${name} is not a regular file.` };
      // Refused before reading, so a huge file in the mirror costs nothing.
      if (stat.size > this.config.maxBundleBytes) {
        const error = new BundleRejectedError('too_large', `${name} is ${stat.size} bytes, over the ${this.config.maxBundleBytes}-byte bundle limit.`);
        await this.audit.record({ tenantId: null, actorId: actor.id, actor: actor.label, action: 'extension.publishRefused', target: `file:${name}`, outcome: 'denied', payload: { source: 'mirror', file: name, reason: error.reason }, ip: actor.ip ?? null });
        throw error;
      }
      const outcome = await this.catalog.publish(new Uint8Array(await fs.readFile(file)), actor, { source: 'mirror', file: name, idempotent: true });
      return { file: name, status: outcome.status, extensionId: outcome.bundle.extensionId, version: outcome.bundle.version };
    } catch (error) {
      if (!(error instanceof KernelError)) throw error;
      return { file: name, status: 'refused', code: error.code, reason: String(error.extensions.reason ?? error.code), detail: error.message };
    }
  }
}

/** Imports the mirror named by PENNY_EXTENSIONS_MIRROR at every start, after the built-ins. */
@injectable()
export class MirrorImportAtStart implements LifecycleContribution {
  readonly order = 41;
  lastImport: MirrorImport | null = null;

  constructor(
    @inject(OfflineMirror) private readonly mirror: OfflineMirror,
    @inject(MarketplaceConfig) private readonly config: MarketplaceConfig,
    @inject(KernelConfig) private readonly kernelConfig: KernelConfig,
  ) {}

  async start(): Promise<void> {
    if (!this.config.mirrorDir) return;
    const quiet = this.kernelConfig.logLevel === 'silent';
    try {
      this.lastImport = await this.mirror.importDirectory(this.config.mirrorDir, SYSTEM_ACTOR);
      const { published, unchanged, refused, files } = this.lastImport;
      if (!quiet) console.log(`Extension mirror ${this.config.mirrorDir}: ${published} published, ${unchanged} unchanged, ${refused} refused.`);
      for (const f of files) if (f.status === 'refused' && !quiet) console.warn(`Extension mirror: ${f.file} refused [${f.reason}]: ${f.detail}`);
    } catch (error) {
      // A mirror that cannot be read must not keep the kernel down; the refusal is audited.
      if (!quiet) console.error(`Extension mirror ${this.config.mirrorDir} was not imported: ${(error as Error).message}`);
    }
  }
}
