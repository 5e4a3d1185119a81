// The kernel's HTTP shapes the workbench reads (see /docs/openapi.json). Manifest-derived shapes come
// from @penny/manifests as types only, so nothing of the validator reaches the bundle.
import type { CommandContribution, JsonSchemaObject, JsonValue, ThemeContribution, ToolContribution } from '@penny/manifests';

export type { JsonValue, JsonSchemaObject };

export type Role = 'admin' | 'manager' | 'creator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'manager', 'creator', 'viewer'];

export interface User {
  id: string;
  email: string;
  displayName: string;
  isPlatformAdmin: boolean;
}

export interface Membership {
  tenantId: string;
  slug: string;
  name: string;
  role: Role;
}

export interface SessionInfo {
  user: User;
  via?: string;
  csrfToken?: string;
  tenants: Membership[];
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface Member {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  joinedAt: string;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expiresAt: string;
  createdAt: string;
}

export interface CreatedInvitation extends Invitation {
  token: string;
  link: string;
  emailed: boolean;
}

export interface InvitationLookup {
  email: string;
  role: Role;
  tenant: { slug: string; name: string };
  accountExists: boolean;
  expiresAt: string;
}

export interface AcceptedInvitation {
  userId: string;
  tenantId: string;
  slug: string;
  role: Role;
  created: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  roles: Role[];
  userId: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface CreatedToken extends ApiToken {
  token: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEvent {
  id: string;
  seq: number;
  tenantId: string | null;
  occurredAt: string;
  actorId: string | null;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  payloadHash: string;
  ip: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditEvent[];
  nextCursor: number | null;
}

export interface AuditVerification {
  ok: boolean;
  chain: string;
  events: number;
  headSeq: number;
  problems: { seq: number; reason: string }[];
}

/** A tool as listed by GET /v1/tools: its manifest contribution plus the extension it comes from. */
export type Tool = ToolContribution & { extensionId: string };

export interface Artifact {
  mimeType: string;
  title?: string;
  data: JsonValue;
  encoding?: 'json' | 'text' | 'base64';
  metadata?: Record<string, JsonValue>;
}

export interface ToolInvocation {
  callId: string;
  tool: string;
  extensionId: string;
  durationMs: number;
  content: JsonValue;
  artifacts: Artifact[];
}

export type ContributedCommand = CommandContribution & { extensionId: string };
export type ContributedTheme = ThemeContribution & { extensionId: string };

export interface Contributions {
  tools: Tool[];
  commands: ContributedCommand[];
  themes: ContributedTheme[];
  artifactRenderers: { id: string; displayName: string; mimeTypes: string[]; extensionId: string }[];
}

export interface PermissionSet {
  network: string[];
  secrets: string[];
  datasources: string[];
  sidecars: string[];
}
export const PERMISSION_KINDS = ['network', 'secrets', 'datasources', 'sidecars'] as const;

export interface ContributionItem {
  id: string;
  title: string;
}
export type ContributionSummary = Record<'tools' | 'modelProviders' | 'artifactRenderers' | 'widgets' | 'dashboards' | 'commands' | 'themes' | 'sidecars', ContributionItem[]>;

export interface Installation {
  extensionId: string;
  version: string;
  publisher: string;
  displayName: string;
  description: string;
  status: 'enabled' | 'disabled';
  enabled: boolean;
  disabledReason: string | null;
  permissions: PermissionSet;
  contributions: ContributionSummary;
  keyId: string;
  trusted: boolean;
  installedAt: string;
  updatedAt: string;
  latestVersion: string;
  updateAvailable: boolean;
  updateRequiresAcceptance: boolean;
}

export interface CatalogExtension {
  extensionId: string;
  version: string;
  publisher: string;
  name: string;
  displayName: string;
  description: string;
  engines: string;
  keyId: string;
  sha256: string;
  size: number;
  publishedAt: string;
  permissions: PermissionSet;
  contributions: ContributionSummary;
  trusted: boolean;
  versions: string[];
  installedVersion: string | null;
}

export interface PublisherKey {
  keyId: string;
  publisher: string;
  label: string;
  isPlatform: boolean;
  publicKey: string;
  addedAt: string;
}

export interface TrustedKey extends PublisherKey {
  implicit: boolean;
  trustedAt: string | null;
}

export type PermissionRule = boolean | { allow: string[] };

export interface ExtensionPolicy {
  network?: { allow: string[] };
  secrets?: PermissionRule;
  datasources?: PermissionRule;
  sidecars?: PermissionRule;
  publishers?: { allow: string[] };
}

export interface PolicyChange {
  policy: ExtensionPolicy;
  disabled: { extensionId: string; reason: string }[];
}

/** A tenant's white-label tokens; colours are #rrggbb. */
export interface TenantTheme {
  appName?: string;
  logoUrl?: string;
  colors?: { primary?: string; accent?: string; background?: string; surface?: string; text?: string };
  fontStack?: string;
}

export interface ModelChoice {
  provider: string;
  model: string;
}

/** GET/PATCH /v1/tenant/settings. */
export interface TenantSettings {
  defaultModel: ModelChoice | null;
  noExternalModels: boolean;
  language: 'en' | 'es';
  systemPrompts: { en?: string; es?: string };
  theme: TenantTheme;
  /** Whether members with artifacts.write may create public links (the API always sends it; default true). */
  allowPublicShares?: boolean;
}

/** GET /v1/models: every model the tenant's providers offer. */
export interface ModelOption {
  extensionId: string;
  provider: string;
  providerName: string;
  model: string;
  modelName: string;
  local: boolean;
  contextWindow: number;
  supportsTools: boolean;
  default: boolean;
}

export interface DatasourceInfo {
  name: string;
  description: string;
  queries: { name: string; description: string }[];
}

/** GET /v1/models: the list, whether any model is usable, and how to configure one when not. */
export interface ModelList {
  configured: boolean;
  help?: string;
  models: ModelOption[];
}

/** GET /v1/tenant/theme: the theme every member's workbench applies, and the tenant's language. */
export type TenantThemeResponse = TenantTheme & { language: 'en' | 'es' };

/** GET/PATCH /v1/workspaces/:id/settings. */
export interface WorkspaceSettings {
  systemPrompts: { en?: string; es?: string };
  defaultModel: ModelChoice | null;
}

/** A share link of one artifact version (POST/GET /v1/artifacts/:id/shares). */
export interface ArtifactShare {
  id: string;
  artifactId: string;
  scope: 'tenant' | 'public';
  version: number;
  /** Tenant links: the workbench path. Public links: `/v1/shared/<token>`, returned at creation only (null in lists). */
  url: string | null;
  expiresAt: string | null;
  expired: boolean;
  createdAt: string;
  createdBy: string | null;
}

/** GET /v1/shared/:token (no sign-in). */
export interface PublicShare {
  title: string;
  mimeType: string;
  version: number;
  size: number;
  sha256: string;
  createdAt: string;
  expiresAt: string;
  contentUrl: string;
}

/** PATCH /v1/tenant/settings is a merge patch: null removes a member; theme and prompts merge. */
export interface TenantSettingsPatch {
  defaultModel?: ModelChoice | null;
  noExternalModels?: boolean;
  language?: 'en' | 'es';
  systemPrompts?: { en?: string | null; es?: string | null } | null;
  theme?: {
    appName?: string | null;
    logoUrl?: string | null;
    fontStack?: string | null;
    colors?: Partial<Record<keyof NonNullable<TenantTheme['colors']>, string | null>> | null;
  } | null;
}
