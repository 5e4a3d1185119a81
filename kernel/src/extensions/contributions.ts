// The contribution registry: what a tenant's enabled extensions contribute, read from their
// manifests without running any extension code.
import { inject, injectable } from 'inversify';
import type { ExtensionManifest } from '@penny/manifests';
import { NotFoundError } from '../core/errors.ts';
import { InstalledExtensions, type InstalledExtension } from './installed-extensions.ts';

type Contributes = NonNullable<ExtensionManifest['contributes']>;
type Item<K extends keyof Contributes> = NonNullable<Contributes[K]> extends (infer T)[] ? T : never;
type From<T> = T & { extensionId: string };

export type ToolContribution = From<Item<'tools'>>;

export interface TenantContributions {
  tools: ToolContribution[];
  modelProviders: From<Item<'modelProviders'>>[];
  artifactRenderers: From<Item<'artifactRenderers'>>[];
  widgets: From<Item<'widgets'>>[];
  dashboards: From<Item<'dashboards'>>[];
  commands: From<Item<'commands'>>[];
  themes: From<Item<'themes'>>[];
  configuration: { extensionId: string; schema: Contributes['configuration'] }[];
}

const LIST_POINTS = ['tools', 'modelProviders', 'artifactRenderers', 'widgets', 'dashboards', 'commands', 'themes'] as const;

@injectable()
export class ContributionRegistry {
  constructor(@inject(InstalledExtensions) private readonly installed: InstalledExtensions) {}

  async forTenant(tenantId: string): Promise<TenantContributions> {
    const out: TenantContributions = { tools: [], modelProviders: [], artifactRenderers: [], widgets: [], dashboards: [], commands: [], themes: [], configuration: [] };
    for (const ext of await this.installed.enabled(tenantId)) {
      const contributes = ext.manifest.contributes ?? {};
      for (const point of LIST_POINTS) {
        const items = (contributes[point] ?? []) as object[];
        (out[point] as object[]).push(...items.map((item) => ({ ...item, extensionId: ext.extensionId })));
      }
      if (contributes.configuration) out.configuration.push({ extensionId: ext.extensionId, schema: contributes.configuration });
    }
    return out;
  }

  /** The enabled extension contributing a tool, and the tool's declaration. */
  async tool(tenantId: string, name: string): Promise<{ installed: InstalledExtension; tool: Item<'tools'> }> {
    for (const ext of await this.installed.enabled(tenantId)) {
      const tool = ext.manifest.contributes?.tools?.find((t) => t.name === name);
      if (tool) return { installed: ext, tool };
    }
    throw new NotFoundError(`No enabled extension of this tenant contributes a tool named "${name}".`);
  }

  async command(tenantId: string, id: string): Promise<{ installed: InstalledExtension; command: Item<'commands'> }> {
    for (const ext of await this.installed.enabled(tenantId)) {
      const command = ext.manifest.contributes?.commands?.find((c) => c.id === id);
      if (command) return { installed: ext, command };
    }
    throw new NotFoundError(`No enabled extension of this tenant contributes a command "${id}".`);
  }
}
