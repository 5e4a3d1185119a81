// The workbench's own palette actions: go to a view, switch tenant, language or theme, toggle the
// artifact panel, sign out. Registered as one provider while the shell is mounted.
import { useI18n } from 'vue-i18n';
import { LOCALES, LOCALE_NAMES } from '../../i18n/index.ts';
import { useArtifactsStore } from '../../stores/artifacts.ts';
import { useCommandsStore, type Disposable, type PaletteAction } from '../../stores/commands.ts';
import { useContributionsStore } from '../../stores/contributions.ts';
import { useNavigationStore } from '../../stores/navigation.ts';
import { usePreferencesStore, SYSTEM_THEME } from '../../stores/preferences.ts';
import { useSessionStore } from '../../stores/session.ts';
import { adminSections } from '../../views/admin/sections.ts';
import { useThemeLabel } from '../../composables/theme-label.ts';

export function useBuiltinActions(): Disposable {
  const { t } = useI18n();
  const commands = useCommandsStore();
  const navigation = useNavigationStore();
  const session = useSessionStore();
  const preferences = usePreferencesStore();
  const artifacts = useArtifactsStore();
  const contributions = useContributionsStore();
  const themeLabel = useThemeLabel();

  return commands.register(() => {
    const go = t('palette.groups.goTo');
    const actions: PaletteAction[] = [
      { id: 'go:home', title: t('nav.home'), group: go, run: () => navigation.navigate('/') },
      { id: 'go:tools', title: t('nav.tools'), group: go, run: () => navigation.navigate('/tools') },
      { id: 'go:composer', title: t('nav.composer'), group: go, keywords: 'composer monaco prompt python editor', run: () => navigation.navigate('/composer') },
    ];
    for (const section of adminSections(session.can)) {
      actions.push({ id: `go:admin:${section.id}`, title: `${t('nav.admin')}: ${t(section.labelKey)}`, group: go, run: () => navigation.navigate(`/admin/${section.id}`) });
    }
    for (const tool of contributions.tools) {
      actions.push({ id: `tool:${tool.name}`, title: t('palette.openTool', { tool: tool.name }), group: t('palette.groups.tools'), keywords: tool.description, run: () => navigation.navigate(`/tools?tool=${encodeURIComponent(tool.name)}`) });
    }
    for (const tenant of session.tenants) {
      if (tenant.slug === session.currentTenant?.slug) continue;
      actions.push({ id: `tenant:${tenant.slug}`, title: t('palette.switchTenant', { tenant: tenant.name }), group: t('palette.groups.tenant'), keywords: tenant.slug, run: () => session.switchTenant(tenant.slug) });
    }
    const prefs = t('palette.groups.preferences');
    for (const locale of LOCALES) {
      if (locale !== preferences.locale) actions.push({ id: `locale:${locale}`, title: t('palette.language', { language: LOCALE_NAMES[locale] }), group: prefs, keywords: 'language idioma', run: () => preferences.setLocale(locale) });
    }
    for (const theme of [{ id: SYSTEM_THEME, label: t('theme.system') }, ...preferences.themes.map((th) => ({ id: th.id, label: themeLabel(th) }))]) {
      if (theme.id !== preferences.themeId) actions.push({ id: `theme:${theme.id}`, title: t('palette.theme', { theme: theme.label }), group: prefs, keywords: 'theme colour color tema', run: () => preferences.setTheme(theme.id) });
    }
    actions.push({
      id: 'panel:toggle',
      title: artifacts.panelOpen ? t('panel.collapse') : t('panel.expand'),
      group: t('palette.groups.view'),
      run: () => artifacts.setPanelOpen(!artifacts.panelOpen),
    });
    actions.push({
      id: 'session:signout',
      title: t('user.signOut'),
      group: t('palette.groups.session'),
      run: async () => {
        await session.signOut();
        navigation.navigate('/signin');
      },
    });
    return actions;
  });
}
