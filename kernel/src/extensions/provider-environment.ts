// Settings and secrets that the operator gives the built-in model providers through the
// environment (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, OLLAMA_HOST), used when a tenant
// has not set its own, and the rule that says whether a provider is ready to answer.
import { inject, injectable } from 'inversify';
import { statSync } from 'node:fs';
import type { JsonValue } from '@penny/manifests';
import { KernelConfig } from '../config/config.ts';
import type { InstalledExtension } from './installed-extensions.ts';

interface BuiltinProvider {
  secrets: Record<string, string | undefined>;
  configuration: Record<string, JsonValue | undefined>;
  /** Ready when any of these holds (a secret name is available, or a setting is configured). */
  readyWhen: ({ secret: string } | { setting: string } | { file: string })[];
}

function ollamaUrl(host: string | undefined): string | undefined {
  if (!host) return undefined;
  return /^https?:\/\//.test(host) ? host : `http://${host.includes(':') ? host : `${host}:11434`}`;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

@injectable()
export class ProviderEnvironment {
  private readonly builtins: Record<string, BuiltinProvider>;

  constructor(@inject(KernelConfig) config: KernelConfig) {
    const p = config.providers;
    this.builtins = {
      'penny.openai': {
        secrets: { OPENAI_API_KEY: p.openaiApiKey },
        configuration: { baseUrl: p.openaiBaseUrl },
        // OpenAI-compatible servers (vLLM, TGI, LM Studio) often need no key, only an address.
        readyWhen: [{ secret: 'OPENAI_API_KEY' }, { setting: 'baseUrl' }],
      },
      'penny.anthropic': { secrets: { ANTHROPIC_API_KEY: p.anthropicApiKey }, configuration: { baseUrl: p.anthropicBaseUrl }, readyWhen: [{ secret: 'ANTHROPIC_API_KEY' }] },
      'penny.ollama': { secrets: {}, configuration: { baseUrl: ollamaUrl(p.ollamaHost) }, readyWhen: [{ setting: 'baseUrl' }] },
      // PENNY_LOCAL_MODEL, or the tenant's own modelPath: ready only while the GGUF file is there.
      'penny.llama-cpp': { secrets: {}, configuration: { modelPath: p.localModel }, readyWhen: [{ file: 'modelPath' }] },
    };
  }

  /** The operator's value of a secret, for built-ins whose tenant has not set one. */
  secret(extensionId: string, name: string): string | undefined {
    return this.builtins[extensionId]?.secrets[name];
  }

  /** Operator defaults overlaid by the tenant's own settings. */
  configuration(installed: InstalledExtension): Record<string, JsonValue> {
    const defaults = Object.fromEntries(Object.entries(this.builtins[installed.extensionId]?.configuration ?? {}).filter(([, v]) => v !== undefined)) as Record<string, JsonValue>;
    return { ...defaults, ...installed.configuration };
  }

  /**
   * Whether a provider can answer: built-ins by their rule; any other extension when every secret it
   * declares is available.
   */
  ready(installed: InstalledExtension, tenantSecretNames: ReadonlySet<string>): boolean {
    const has = (name: string) => tenantSecretNames.has(name) || this.secret(installed.extensionId, name) !== undefined;
    const rule = this.builtins[installed.extensionId];
    if (!rule) return (installed.manifest.permissions?.secrets ?? []).every(has);
    const settings = this.configuration(installed);
    return rule.readyWhen.some((r) => {
      if ('secret' in r) return has(r.secret);
      const value = settings['file' in r ? r.file : r.setting];
      if (typeof value !== 'string' || value === '') return false;
      return 'file' in r ? isFile(value) : true;
    });
  }

  /**
   * The network grant at activation: what the admin granted, plus the host of a configured
   * `baseUrl` (setting an address is the decision to reach it).
   */
  network(installed: InstalledExtension): string[] {
    const baseUrl = this.configuration(installed).baseUrl;
    const granted = installed.permissions.network;
    if (typeof baseUrl !== 'string') return granted;
    try {
      const host = new URL(baseUrl).host;
      return granted.includes(host) ? granted : [...granted, host];
    } catch {
      return granted;
    }
  }
}
