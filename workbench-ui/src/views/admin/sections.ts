// The admin console's sections: one entry each, shown to members whose role holds its permission.
// A new section is a new entry here, not a branch in AdminView.
import { defineAsyncComponent, type Component } from 'vue';
import type { IconName } from '../../components/common/AppIcon.vue';
import type { Permission } from '../../permissions.ts';

export interface AdminSection {
  id: string;
  /** i18n key of the section's name. */
  labelKey: string;
  icon: IconName;
  permission: Permission;
  component: Component;
}

export const ADMIN_SECTIONS: readonly AdminSection[] = [
  { id: 'members', labelKey: 'admin.sections.members', icon: 'user', permission: 'members.read', component: defineAsyncComponent(() => import('./MembersSection.vue')) },
  { id: 'invitations', labelKey: 'admin.sections.invitations', icon: 'mail', permission: 'members.read', component: defineAsyncComponent(() => import('./InvitationsSection.vue')) },
  { id: 'tokens', labelKey: 'admin.sections.tokens', icon: 'key', permission: 'tokens.manage', component: defineAsyncComponent(() => import('./TokensSection.vue')) },
  { id: 'extensions', labelKey: 'admin.sections.extensions', icon: 'puzzle', permission: 'extensions.read', component: defineAsyncComponent(() => import('./ExtensionsSection.vue')) },
  { id: 'marketplace', labelKey: 'admin.sections.marketplace', icon: 'store', permission: 'extensions.manage', component: defineAsyncComponent(() => import('./MarketplaceSection.vue')) },
  { id: 'audit', labelKey: 'admin.sections.audit', icon: 'list', permission: 'audit.read', component: defineAsyncComponent(() => import('./AuditSection.vue')) },
  { id: 'settings', labelKey: 'admin.sections.settings', icon: 'settings', permission: 'tenant.read', component: defineAsyncComponent(() => import('./TenantSettingsSection.vue')) },
];

export function adminSections(can: (permission: Permission) => boolean): AdminSection[] {
  return ADMIN_SECTIONS.filter((section) => can(section.permission));
}
