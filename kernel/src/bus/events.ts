// Every event the kernel publishes, named in the past tense, with its payload. Features react to
// each other through these instead of importing each other.

export interface KernelEvents {
  'tenant.created': { tenantId: string; slug: string; createdBy: string | null };
  'member.invited': { tenantId: string; invitationId: string; email: string; role: string };
  'member.joined': { tenantId: string; userId: string; role: string };
  'member.roleChanged': { tenantId: string; userId: string; from: string; to: string };
  'member.removed': { tenantId: string; userId: string };
  'token.created': { tenantId: string; tokenId: string; userId: string };
  'token.revoked': { tenantId: string; tokenId: string; userId: string };
  'user.signedIn': { userId: string };
  'user.signedOut': { userId: string };
  'workspace.created': { tenantId: string; workspaceId: string };
  'extension.published': { extensionId: string; version: string; bundleId: string };
  'extension.installed': { tenantId: string; extensionId: string; version: string };
  'extension.updated': { tenantId: string; extensionId: string; from: string; to: string };
  'extension.uninstalled': { tenantId: string; extensionId: string };
  'extension.enabled': { tenantId: string; extensionId: string };
  'extension.disabled': { tenantId: string; extensionId: string; reason: string };
  'extension.configured': { tenantId: string; extensionId: string };
}

export type KernelEventName = keyof KernelEvents;
