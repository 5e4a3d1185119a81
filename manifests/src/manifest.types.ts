// The extension manifest as TypeScript types. Hand-written to read well; `manifest.schema.ts`
// describes the same shape and `manifest.test.ts` proves, at compile time, that both agree.

/** A JSON Schema document (draft-07), kept opaque: it is validated as a schema, not typed. */
export type JsonSchemaObject = { [keyword: string]: unknown };

export interface ExtensionManifest {
  /** Package name: lowercase letters, digits and dashes. */
  name: string;
  /** Publisher id; `publisher.name` is the extension id. */
  publisher: string;
  /** Semantic version of this bundle. */
  version: string;
  displayName?: string;
  description?: string;
  /** `engines.penny` is the semver range of kernels this extension runs on. */
  engines: ManifestEngines;
  /** Server-side bundle (relative path), run in an isolate on activation. */
  main?: string;
  /** Workbench-side bundle (relative path), run in a sandboxed iframe. */
  browser?: string;
  /** Extra activation events; those implied by contributions are derived. `*` is refused. */
  activationEvents?: string[];
  permissions?: ManifestPermissions;
  contributes?: Contributions;
}

export interface ManifestEngines {
  penny: string;
}

export interface ManifestPermissions {
  /** Host patterns `fetch` may reach: `api.example.com`, `*.example.com`, `127.0.0.1:11434`. */
  network?: string[];
  /** Names of secrets the extension may reference. */
  secrets?: string[];
  /** Names of datasources the extension may query. */
  datasources?: string[];
}

export interface Contributions {
  tools?: ToolContribution[];
  modelProviders?: ModelProviderContribution[];
  artifactRenderers?: ArtifactRendererContribution[];
  widgets?: WidgetContribution[];
  dashboards?: DashboardContribution[];
  commands?: CommandContribution[];
  /** JSON Schema (type object) of the extension's settings. */
  configuration?: JsonSchemaObject;
  themes?: ThemeContribution[];
  sidecars?: SidecarContribution[];
}

export interface ToolContribution {
  /** snake_case, as models expect tool names. */
  name: string;
  description: string;
  /** JSON Schema of the arguments object (`type: "object"`). */
  parameters: JsonSchemaObject;
  timeoutMs?: number;
  /** Ask a human before each call. */
  confirm?: boolean;
  /** Upper bound of the serialized result, in bytes. */
  maxResultBytes?: number;
}

export interface ModelProviderContribution {
  id: string;
  displayName: string;
  models: ModelContribution[];
  /** True when the provider runs on this machine (data never leaves it). */
  local?: boolean;
}

export interface ModelContribution {
  id: string;
  displayName: string;
  contextWindow: number;
  capabilities?: ModelCapabilities;
}

export interface ModelCapabilities {
  tools?: boolean;
  streaming?: boolean;
  embeddings?: boolean;
  vision?: boolean;
}

export interface ArtifactRendererContribution {
  id: string;
  displayName: string;
  mimeTypes: string[];
}

export interface WidgetContribution {
  id: string;
  title: string;
  /** The widget shows an artifact of this mime type with whichever renderer handles it... */
  artifactMime?: string;
  /** ...or with this renderer id. Exactly one of the two is given. */
  renderer?: string;
}

export interface DashboardContribution {
  slug: string;
  title: string;
  widgets: DashboardWidgetPlacement[];
}

/** Placement on a 12-column grid. */
export interface DashboardWidgetPlacement {
  /** Widget id of this extension, or `publisher.name/widgetId` of another one. */
  widget: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CommandContribution {
  id: string;
  title: string;
  category?: string;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast';

export interface ThemeContribution {
  id: string;
  label: string;
  kind: ThemeKind;
  /** Design token name to value, e.g. `"accent": "#3b82f6"`. */
  tokens: Record<string, string>;
}

/** A native helper process (code that cannot run in an isolate), reachable on loopback only. */
export interface SidecarContribution {
  id: string;
  /** Executable path inside the bundle. */
  command: string;
  args?: string[];
  /** Names of declared secrets passed to the process as environment variables. */
  env?: string[];
  memoryMb?: number;
  port: SidecarPort;
}

export interface SidecarPort {
  kind: 'loopback';
}
