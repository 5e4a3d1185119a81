// Built-in extensions take the path every extension takes: at start each package under the
// built-ins directory is built (unless nothing its last build read changed), signed with the platform
// key and published when its contents are not in the catalog yet; on the very first start they are
// installed into the demo tenant through the ordinary install, with their declared permissions
// accepted by "system".
import { inject, injectable } from 'inversify';
import fs from 'node:fs/promises';
import path from 'node:path';
import { extensionId as idOf } from '@penny/manifests';
import { KeyStore, packFiles, signBundle, SIGNATURE_FILE, unpack, type KeyPair } from '@penny/marketplace';
import { FirstStart } from '../bootstrap/first-start.ts';
import { KernelConfig } from '../config/config.ts';
import { ConflictError } from '../core/errors.ts';
import type { LifecycleContribution } from '../core/lifecycle.ts';
import { Database } from '../database/database.service.ts';
import { buildBuiltinFiles, scanBuiltinPackages, unchangedSince, type BuildRecord, type BuiltFile, type BuiltinPackage } from './builtin-build.ts';
import { Catalog } from './catalog.service.ts';
import { Installations } from './installations.service.ts';
import { MarketplaceConfig } from './marketplace.config.ts';
import { declaredPermissions, SYSTEM_ACTOR } from './marketplace.types.ts';
import { PublisherKeys } from './publisher-keys.service.ts';

/** The publisher id of everything the platform key signs. */
export const PLATFORM_PUBLISHER = 'penny';
export const PLATFORM_KEY_NAME = 'platform';

type SyncStatus = 'published' | 'unchanged' | 'stale';

/** A package ready to sync: freshly built, or known unchanged from its last build record. */
type Prepared = { pkg: BuiltinPackage; record: BuildRecord; files?: BuiltFile[] } | { pkg: BuiltinPackage; error: Error };

export interface BuiltinSync {
  /** Packages esbuild built this time; the others were unchanged since their last build. */
  built: string[];
  published: string[];
  unchanged: string[];
  /** Same version as in the catalog but different contents: the version must be raised. */
  stale: string[];
  failed: { extension: string; error: string }[];
  installed: string[];
  ms: number;
}

@injectable()
export class BuiltinExtensions implements LifecycleContribution {
  /** After first start (30), which creates the demo tenant. */
  readonly order = 40;
  lastSync: BuiltinSync | null = null;

  constructor(
    @inject(MarketplaceConfig) private readonly config: MarketplaceConfig,
    @inject(KernelConfig) private readonly kernelConfig: KernelConfig,
    @inject(Database) private readonly db: Database,
    @inject(PublisherKeys) private readonly keys: PublisherKeys,
    @inject(Catalog) private readonly catalog: Catalog,
    @inject(Installations) private readonly installations: Installations,
    @inject(FirstStart) private readonly firstStart: FirstStart,
  ) {}

  async start(): Promise<void> {
    if (!this.config.builtinsDir) return;
    const began = performance.now();
    const sync: BuiltinSync = { built: [], published: [], unchanged: [], stale: [], failed: [], installed: [], ms: 0 };
    const scan = await scanBuiltinPackages(this.config.builtinsDir);
    for (const problem of scan.problems) sync.failed.push({ extension: problem.dir, error: problem.error });
    const ready: BuiltinPackage[] = [];
    const records: Record<string, BuildRecord> = {};
    if (scan.packages.length) {
      const previous = await this.readBuildRecords();
      // esbuild runs the builds side by side in its own process while the key is loaded.
      const [key, ...prepared] = await Promise.all([
        new KeyStore(this.config.keysDir).loadOrCreate(PLATFORM_KEY_NAME),
        ...scan.packages.map((pkg) => this.prepare(pkg, previous[pkg.dir])),
      ]);
      await this.keys.registerPlatformKey(key, PLATFORM_PUBLISHER);
      for (const item of prepared) {
        const id = `${idOf(item.pkg.manifest)}@${item.pkg.manifest.version}`;
        try {
          if ('files' in item && item.files) sync.built.push(id);
          const { status, record } = await this.syncPackage(item, key);
          sync[status].push(id);
          records[item.pkg.dir] = record;
          ready.push(item.pkg);
        } catch (error) {
          sync.failed.push({ extension: id, error: (error as Error).message });
        }
      }
    }
    await this.writeBuildRecords(records);
    if (this.firstStart.result && this.kernelConfig.demoTenant) await this.installIntoDemo(ready, sync);
    sync.ms = Math.round(performance.now() - began);
    this.lastSync = sync;
    this.report(sync);
  }

  /** Builds the package, unless nothing its last build read has changed since. */
  private async prepare(pkg: BuiltinPackage, previous: BuildRecord | undefined): Promise<Prepared> {
    try {
      if (await unchangedSince(previous, pkg)) return { pkg, record: previous! };
      return { pkg, ...(await buildBuiltinFiles(pkg)) };
    } catch (error) {
      return { pkg, error: error as Error };
    }
  }

  private async syncPackage(item: Prepared, key: KeyPair): Promise<{ status: SyncStatus; record: BuildRecord }> {
    if ('error' in item) throw item.error;
    if (!item.files) {
      const status = await this.compare(item.pkg, item.record.files);
      if (status !== 'absent') return { status, record: item.record };
      // The catalog does not have it (a new database): the files are needed after all.
      const built = await buildBuiltinFiles(item.pkg);
      return { status: await this.publish(item.pkg, built, key), record: built.record };
    }
    return { status: await this.publish(item.pkg, { files: item.files, record: item.record }, key), record: item.record };
  }

  private async publish(pkg: BuiltinPackage, built: { files: BuiltFile[]; record: BuildRecord }, key: KeyPair): Promise<SyncStatus> {
    const present = await this.compare(pkg, built.record.files);
    if (present !== 'absent') return present;
    try {
      const outcome = await this.catalog.publish(signBundle(packFiles(built.files), key), SYSTEM_ACTOR, { source: 'builtin', file: pkg.dir, idempotent: true });
      return outcome.status;
    } catch (error) {
      // Another kernel sharing the database may have published it a moment ago.
      const again = error instanceof ConflictError ? await this.compare(pkg, built.record.files) : 'absent';
      if (again === 'absent') throw error;
      return again;
    }
  }

  /** Signatures carry their time, so what was signed is compared, not the bundle's bytes. */
  private async compare(pkg: BuiltinPackage, files: BuildRecord['files']): Promise<SyncStatus | 'absent'> {
    const extensionId = idOf(pkg.manifest);
    const [present] = await this.db.query<{ id: string }>(`SELECT id FROM extension_bundle WHERE extension_id = ? AND version = ?`, [extensionId, pkg.manifest.version]);
    if (!present) return 'absent';
    const { bytes } = await this.catalog.find(extensionId, pkg.manifest.version);
    const stored = unpack(bytes).files.filter((f) => f.path !== SIGNATURE_FILE);
    const same = stored.length === files.length && stored.every((f, i) => f.path === files[i]!.path && f.sha256 === files[i]!.sha256);
    return same ? 'unchanged' : 'stale';
  }

  private async readBuildRecords(): Promise<Record<string, BuildRecord>> {
    try {
      return JSON.parse(await fs.readFile(this.config.buildCacheFile, 'utf8')) as Record<string, BuildRecord>;
    } catch {
      return {};
    }
  }

  private async writeBuildRecords(records: Record<string, BuildRecord>): Promise<void> {
    await fs.mkdir(path.dirname(this.config.buildCacheFile), { recursive: true });
    await fs.writeFile(this.config.buildCacheFile, JSON.stringify(records));
  }

  private async installIntoDemo(packages: BuiltinPackage[], sync: BuiltinSync): Promise<void> {
    const [demo] = await this.db.query<{ id: string }>(`SELECT id FROM tenant WHERE slug = 'demo'`);
    if (!demo) return;
    for (const pkg of packages) {
      const extensionId = idOf(pkg.manifest);
      try {
        await this.installations.install(demo.id, SYSTEM_ACTOR, { extensionId, version: pkg.manifest.version, acceptPermissions: declaredPermissions(pkg.manifest) });
        sync.installed.push(extensionId);
      } catch (error) {
        sync.failed.push({ extension: extensionId, error: `installing into the demo tenant: ${(error as Error).message}` });
      }
    }
  }

  private report(sync: BuiltinSync): void {
    if (this.kernelConfig.logLevel === 'silent') return;
    const parts = [`${sync.published.length} published`, `${sync.unchanged.length} unchanged`];
    if (sync.installed.length) parts.push(`${sync.installed.length} installed into the demo tenant`);
    console.log(`Built-in extensions: ${parts.join(', ')} in ${sync.ms} ms.`);
    for (const id of sync.stale) console.warn(`Built-in ${id} differs from the same version in the catalog; raise its version to publish the change.`);
    for (const failure of sync.failed) console.error(`Built-in ${failure.extension} was not published: ${failure.error}`);
  }
}
