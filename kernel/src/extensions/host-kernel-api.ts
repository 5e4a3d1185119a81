// What an extension host may ask of the kernel: storage, secrets, datasources, artifacts, logs.
// Every request is scoped to the host's tenant and checked again here against the installation
// (the host is trusted to name the extension, never to widen what it was granted).
import { inject, injectable } from 'inversify';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  ArtifactCreateRequest,
  DatasourceQueryRequest,
  ExtensionDidCrashNotification,
  LogNotification,
  SecretsResolveRequest,
  SidecarConnectRequest,
  StorageDeleteRequest,
  StorageGetRequest,
  StorageListRequest,
  StorageSetRequest,
  pennyError,
  type ExtensionDidCrashParams,
  type JsonValue,
} from '@penny/manifests';
import { ArtifactsService } from '../artifacts/artifacts.service.ts';
import { ValidationError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import { DatasourceRegistry } from '../datasources/datasources.service.ts';
import { Sidecars } from '../sidecars/sidecars.service.ts';
import { InstalledExtensions, type InstalledExtension } from './installed-extensions.ts';
import { ProviderEnvironment } from './provider-environment.ts';
import { SecretBox } from './secret-box.ts';

const MAX_KEY_LENGTH = 512;
const MAX_VALUE_BYTES = 1024 * 1024;
const MAX_KEYS_LISTED = 10_000;

export interface HostEvents {
  onCrash(tenantId: string, crash: ExtensionDidCrashParams): void;
  log(tenantId: string, level: string, message: string, extensionId?: string): void;
}

@injectable()
export class HostKernelApi {
  constructor(
    @inject(Database) private readonly db: Database,
    @inject(InstalledExtensions) private readonly installed: InstalledExtensions,
    @inject(SecretBox) private readonly secrets: SecretBox,
    @inject(DatasourceRegistry) private readonly datasources: DatasourceRegistry,
    @inject(ProviderEnvironment) private readonly environment: ProviderEnvironment,
    @inject(ArtifactsService) private readonly artifacts: ArtifactsService,
    @inject(Sidecars) private readonly sidecars: Sidecars,
  ) {}

  private async require(tenantId: string, extensionId: string): Promise<InstalledExtension> {
    const found = (await this.installed.enabled(tenantId)).find((e) => e.extensionId === extensionId);
    if (!found) throw pennyError('PermissionDenied', `${extensionId} is not an enabled extension of this tenant`, { extensionId });
    return found;
  }

  private checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw pennyError('InvalidArguments', `storage keys are 1 to ${MAX_KEY_LENGTH} characters`);
    }
  }

  serve(connection: MessageConnection, tenantId: string, events: HostEvents): void {
    connection.onRequest(StorageGetRequest, async (p) => {
      await this.require(tenantId, p.extensionId);
      this.checkKey(p.key);
      const rows = await this.db.tenant(tenantId, (em) =>
        em.execute<{ value: JsonValue }[]>(`SELECT value FROM extension_storage WHERE extension_id = ? AND key = ?`, [p.extensionId, p.key]),
      );
      return rows[0] ? { found: true, value: rows[0].value } : { found: false };
    });

    connection.onRequest(StorageSetRequest, async (p) => {
      await this.require(tenantId, p.extensionId);
      this.checkKey(p.key);
      const json = JSON.stringify(p.value ?? null);
      if (Buffer.byteLength(json) > MAX_VALUE_BYTES) throw pennyError('InvalidArguments', `storage values are limited to ${MAX_VALUE_BYTES} bytes`);
      await this.db.tenant(tenantId, (em) =>
        em.execute(
          `INSERT INTO extension_storage (tenant_id, extension_id, key, value) VALUES (?, ?, ?, ?::jsonb)
           ON CONFLICT (tenant_id, extension_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          [tenantId, p.extensionId, p.key, json],
        ),
      );
    });

    connection.onRequest(StorageDeleteRequest, async (p) => {
      await this.require(tenantId, p.extensionId);
      this.checkKey(p.key);
      const rows = await this.db.tenant(tenantId, (em) =>
        em.execute(`DELETE FROM extension_storage WHERE extension_id = ? AND key = ? RETURNING key`, [p.extensionId, p.key]),
      );
      return { deleted: rows.length > 0 };
    });

    connection.onRequest(StorageListRequest, async (p) => {
      await this.require(tenantId, p.extensionId);
      const prefix = (p.prefix ?? '').replace(/[\\%_]/g, '\\$&');
      const rows = await this.db.tenant(tenantId, (em) =>
        em.execute<{ key: string }[]>(`SELECT key FROM extension_storage WHERE extension_id = ? AND key LIKE ? ORDER BY key LIMIT ${MAX_KEYS_LISTED}`, [
          p.extensionId,
          `${prefix}%`,
        ]),
      );
      return { keys: rows.map((r) => r.key) };
    });

    connection.onRequest(SecretsResolveRequest, async (p) => {
      const ext = await this.require(tenantId, p.extensionId);
      const declared = ext.manifest.permissions?.secrets ?? [];
      if (!declared.includes(p.name) || !ext.permissions.secrets.includes(p.name)) {
        throw pennyError('PermissionDenied', `secret "${p.name}" was not declared by ${p.extensionId} or not granted by the tenant admin`, { extensionId: p.extensionId });
      }
      const rows = await this.db.tenant(tenantId, (em) =>
        em.execute<{ ciphertext: string }[]>(`SELECT ciphertext FROM extension_secret WHERE extension_id = ? AND name = ?`, [p.extensionId, p.name]),
      );
      if (rows[0]) return { value: this.secrets.open(rows[0].ciphertext, secretContext(tenantId, p.extensionId, p.name)) };
      const operatorValue = this.environment.secret(p.extensionId, p.name);
      if (operatorValue !== undefined) return { value: operatorValue };
      throw pennyError('NotFound', `secret "${p.name}" of ${p.extensionId} has not been set by a tenant admin`, { extensionId: p.extensionId });
    });

    connection.onRequest(DatasourceQueryRequest, async (p) => {
      const ext = await this.require(tenantId, p.extensionId);
      if (!ext.permissions.datasources.includes(p.datasource)) {
        throw pennyError('PermissionDenied', `datasource "${p.datasource}" is not granted to ${p.extensionId}`, { extensionId: p.extensionId });
      }
      return this.datasources.query(tenantId, { datasource: p.datasource, query: p.query, params: p.params, extensionId: p.extensionId, userId: p.context?.userId });
    });

    connection.onRequest(ArtifactCreateRequest, async (p) => {
      await this.require(tenantId, p.extensionId);
      try {
        const created = await this.artifacts.create(
          tenantId,
          p.artifact,
          { extensionId: p.extensionId, ...(p.callId ? { callId: p.callId } : {}), ...(p.context?.conversationId ? { conversationId: p.context.conversationId } : {}) },
          p.context?.userId ?? null,
        );
        return { artifactId: created.artifactId, version: created.version };
      } catch (err) {
        if (err instanceof ValidationError) throw pennyError('InvalidArguments', err.message, { extensionId: p.extensionId });
        throw err;
      }
    });

    connection.onRequest(SidecarConnectRequest, async (p) => {
      await this.require(tenantId, p.extensionId);
      if (!Number.isInteger(p.port) || p.port <= 0 || p.port > 65_535) throw pennyError('InvalidArguments', 'port must be a TCP port number');
      return this.sidecars.connect(tenantId, p.extensionId, p.port);
    });

    connection.onNotification(LogNotification, (p) => events.log(tenantId, p.level, p.message, p.extensionId));
    connection.onNotification(ExtensionDidCrashNotification, (p) => events.onCrash(tenantId, p));
  }
}

/** Binds a sealed secret to its tenant, extension and name: a copied ciphertext will not open elsewhere. */
export function secretContext(tenantId: string, extensionId: string, name: string): string {
  return `${tenantId}/${extensionId}/${name}`;
}
