// Built-in themes have translated names; contributed themes bring their own label.
import { useI18n } from 'vue-i18n';
import { BUILTIN_THEMES, type ThemeDefinition } from '../theme/themes.ts';

const BUILTIN_IDS = new Set(BUILTIN_THEMES.map((theme) => theme.id));

export function useThemeLabel(): (theme: Pick<ThemeDefinition, 'id' | 'label'>) => string {
  const { t } = useI18n();
  return (theme) => (BUILTIN_IDS.has(theme.id) ? t(`theme.names.${theme.id}`) : theme.label);
}
