// vue-i18n set-up: English ships in the main bundle; other languages load on first use.
import { createI18n } from 'vue-i18n';
import en from './en.ts';

export type Messages = typeof en;
export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

const dateFormats = {
  short: { year: 'numeric', month: 'short', day: 'numeric' },
  long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
} as const;

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en } as Record<Locale, Messages>,
  datetimeFormats: { en: dateFormats, es: dateFormats },
});

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

const loaders: Record<Exclude<Locale, 'en'>, () => Promise<{ default: Messages }>> = {
  es: () => import('./es.ts'),
};

export async function loadLocale(locale: Locale): Promise<void> {
  if (locale === 'en' || i18n.global.availableLocales.includes(locale)) return;
  i18n.global.setLocaleMessage(locale, (await loaders[locale]()).default);
}
