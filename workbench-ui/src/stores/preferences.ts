// Personal preferences kept in this browser: language and theme. The theme may be a built-in
// (light, dark, high contrast), "system", or one contributed by an installed extension.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { i18n, isLocale, loadLocale, type Locale } from '../i18n/index.ts';
import { applyTheme, BUILTIN_THEMES, DARK, extendTheme, HIGH_CONTRAST, LIGHT, type ThemeDefinition } from '../theme/themes.ts';
import { useContributionsStore } from './contributions.ts';

const LOCALE_KEY = 'penny.locale';
const THEME_KEY = 'penny.theme';
export const SYSTEM_THEME = 'system';

function initialLocale(): Locale {
  const saved = localStorage.getItem(LOCALE_KEY);
  if (isLocale(saved)) return saved;
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

function media(query: string) {
  const list = window.matchMedia(query);
  const matches = ref(list.matches);
  list.addEventListener('change', (event) => (matches.value = event.matches));
  return matches;
}

export const usePreferencesStore = defineStore('preferences', () => {
  const contributions = useContributionsStore();
  const locale = ref<Locale>('en');
  const themeId = ref<string>(localStorage.getItem(THEME_KEY) ?? SYSTEM_THEME);
  const prefersDark = media('(prefers-color-scheme: dark)');
  const prefersContrast = media('(prefers-contrast: more)');

  /** Built-ins first, then themes the tenant's extensions contribute (ids are `extension/theme`). */
  const themes = computed<ThemeDefinition[]>(() => [
    ...BUILTIN_THEMES,
    ...contributions.themes.map((t) => ({ id: `${t.extensionId}/${t.id}`, label: t.label, kind: t.kind, tokens: extendTheme(t.kind, t.tokens) })),
  ]);

  const activeTheme = computed<ThemeDefinition>(() => {
    if (themeId.value === SYSTEM_THEME) return prefersContrast.value ? HIGH_CONTRAST : prefersDark.value ? DARK : LIGHT;
    return themes.value.find((t) => t.id === themeId.value) ?? LIGHT;
  });

  watch(activeTheme, (theme) => applyTheme(document.documentElement, theme.kind, theme.tokens), { immediate: true });

  function setTheme(id: string): void {
    themeId.value = id;
    localStorage.setItem(THEME_KEY, id);
  }

  async function useLocale(next: Locale): Promise<void> {
    await loadLocale(next);
    i18n.global.locale.value = next;
    locale.value = next;
    document.documentElement.lang = next;
  }

  /** A choice the user made: remembered, unlike the browser-language guess at start-up. */
  async function setLocale(next: Locale): Promise<void> {
    await useLocale(next);
    localStorage.setItem(LOCALE_KEY, next);
  }

  /** Called once at start-up, before the first render, so the page never flashes in English. */
  async function init(): Promise<void> {
    await useLocale(initialLocale());
  }

  return { locale, themeId, themes, activeTheme, setTheme, setLocale, init };
});
