// White-label: the current tenant's theme (app name, logo, colours, font stack) applied at runtime as
// CSS variables on <html>, over the user's chosen theme, and removed on tenant switch or sign-out.
// Readability first: the high-contrast theme ignores tenant colours; text/background pairs below
// WCAG AA (4.5:1) are refused; the primary colour is darkened (light themes) or lightened (dark
// themes) until links on the surface reach 4.5:1; text on primary is black or white, whichever
// contrasts more (never below 4.58:1).
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api, ApiError } from '../api/http.ts';
import type { TenantTheme } from '../api/types.ts';
import { usePreferencesStore } from '../stores/preferences.ts';
import { useSessionStore } from '../stores/session.ts';
import type { ThemeTokens } from './themes.ts';

export const DEFAULT_APP_NAME = 'Penny';
export const MIN_TEXT_CONTRAST = 4.5;
const HEX = /^#[0-9a-f]{6}$/i;
// Font names, quotes, commas and generic families only: never url() or anything a stylesheet runs.
const FONT_STACK = /^[\w\s"',.-]{1,200}$/;

export type ThemeKindName = 'light' | 'dark' | 'high-contrast';

export interface ThemeNote {
  /** Field path, as in the kernel's problem+json errors (`theme.colors.primary`). */
  path: string;
  code: 'lowContrast' | 'adjusted' | 'otherKind' | 'highContrast' | 'invalid';
  ratio?: number;
  value?: string;
}

export interface ResolvedTheme {
  tokens: ThemeTokens;
  notes: ThemeNote[];
}

type Rgb = [number, number, number];

function rgb(hex: string): Rgb {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

function luminance(color: string): number {
  const [r, g, b] = rgb(color).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `weight` of `a` mixed into `b`. */
export function mix(a: string, b: string, weight: number): string {
  const [x, y] = [rgb(a), rgb(b)];
  return hex([0, 1, 2].map((i) => x[i]! * weight + y[i]! * (1 - weight)) as Rgb);
}

/** Black or white, whichever is more readable on the colour. */
export function readableOn(color: string): string {
  return contrast(color, '#000000') >= contrast(color, '#ffffff') ? '#000000' : '#ffffff';
}

/** The colour moved towards black or white in small steps until it reaches the ratio against `on`. */
function reachContrast(color: string, on: string, ratio: number): string {
  const target = luminance(on) > 0.5 ? '#000000' : '#ffffff';
  let current = color;
  for (let step = 1; step <= 20 && contrast(current, on) < ratio; step++) current = mix(target, color, step / 20);
  return current;
}

const kindOfBackground = (background: string): 'light' | 'dark' => (luminance(background) < 0.18 ? 'dark' : 'light');

/**
 * The CSS variables a tenant theme sets over a base theme, and what was refused or adjusted on the
 * way. Background, surface and text apply only over a base theme of the same lightness, so a user
 * who chose dark keeps a dark page; the primary colour applies to both.
 */
export function resolveTenantTheme(theme: TenantTheme | null | undefined, kind: ThemeKindName, base: ThemeTokens): ResolvedTheme {
  const tokens: ThemeTokens = {};
  const notes: ThemeNote[] = [];
  if (!theme) return { tokens, notes };
  if (theme.fontStack) {
    if (FONT_STACK.test(theme.fontStack)) tokens['font-sans'] = theme.fontStack;
    else notes.push({ path: 'theme.fontStack', code: 'invalid' });
  }
  const colors = theme.colors ?? {};
  for (const [name, value] of Object.entries(colors)) if (value && !HEX.test(value)) notes.push({ path: `theme.colors.${name}`, code: 'invalid', value });
  const valid = (value: string | undefined) => (value && HEX.test(value) ? value.toLowerCase() : undefined);
  if (kind === 'high-contrast') {
    if (Object.values(colors).some(Boolean)) notes.push({ path: 'theme.colors', code: 'highContrast' });
    return { tokens, notes };
  }

  const background = valid(colors.background);
  const surfaceColor = valid(colors.surface);
  const text = valid(colors.text);
  if (background || surfaceColor || text) {
    const paletteKind = kindOfBackground(background ?? surfaceColor ?? base.bg ?? '#ffffff');
    const bg = background ?? base.bg!;
    const surface = surfaceColor ?? base.surface!;
    const ink = text ?? base.text!;
    const worst = Math.min(contrast(ink, bg), contrast(ink, surface));
    if (paletteKind !== kind) {
      notes.push({ path: 'theme.colors.background', code: 'otherKind' });
    } else if (worst < MIN_TEXT_CONTRAST) {
      notes.push({ path: 'theme.colors.text', code: 'lowContrast', ratio: Math.round(worst * 100) / 100 });
    } else {
      Object.assign(tokens, {
        bg,
        surface,
        text: ink,
        'surface-2': mix(ink, surface, 0.04),
        'surface-hover': mix(ink, surface, 0.08),
        border: mix(ink, surface, 0.18),
        'text-muted': reachContrast(mix(ink, surface, 0.68), surface, MIN_TEXT_CONTRAST),
      });
    }
  }

  const surface = tokens.surface ?? base.surface ?? '#ffffff';
  const primary = valid(colors.primary);
  if (primary) {
    const usable = reachContrast(primary, surface, MIN_TEXT_CONTRAST);
    if (usable !== primary) notes.push({ path: 'theme.colors.primary', code: 'adjusted', ratio: Math.round(contrast(primary, surface) * 100) / 100, value: usable });
    Object.assign(tokens, { accent: usable, 'accent-text': readableOn(usable), 'accent-soft': mix(usable, surface, 0.14), focus: usable });
  }
  const accent = valid(colors.accent);
  if (accent) tokens['brand-accent'] = accent;
  return { tokens, notes };
}

/**
 * Logos show only as PNG or SVG data: URLs, which the page's CSP allows (img-src 'self' data:); the
 * kernel also accepts https: logo URLs, which that CSP would block, so the workbench does not use them.
 */
export function isAllowedLogo(url: string | undefined): url is string {
  if (!url) return false;
  return /^data:image\/(png|svg\+xml);base64,[a-z0-9+/=]+$/i.test(url);
}

/**
 * The tenant's theme for the signed-in member, applied while the shell runs. `preview` shows an
 * unsaved draft (the settings editor) without touching the stored theme.
 */
export const useTenantThemeStore = defineStore('tenantTheme', () => {
  const session = useSessionStore();
  const preferences = usePreferencesStore();
  const stored = ref<TenantTheme | null>(null);
  const preview = ref<TenantTheme | null>(null);
  const current = computed(() => preview.value ?? stored.value);
  const appName = computed(() => current.value?.appName?.trim() || DEFAULT_APP_NAME);
  const logoUrl = computed(() => (isAllowedLogo(current.value?.logoUrl) ? current.value.logoUrl : null));
  const resolved = computed(() => resolveTenantTheme(current.value, preferences.activeTheme.kind, preferences.activeTheme.tokens));
  let applied: string[] = [];

  async function load(): Promise<void> {
    const slug = session.currentTenant?.slug;
    if (!slug) return;
    let theme: TenantTheme | null;
    try {
      theme = await api.get<TenantTheme>('/v1/tenant/theme');
    } catch (error) {
      // Kernels without the members' theme route: fall back to the settings (admins only).
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 403)) throw error;
      theme = await api.get<{ theme: TenantTheme }>('/v1/tenant/settings').then((s) => s.theme ?? null, () => null);
    }
    if (session.currentTenant?.slug === slug) stored.value = theme;
  }

  /** Called after a save, so the header and colours follow without a reload. */
  function adopt(theme: TenantTheme | null): void {
    stored.value = theme;
    preview.value = null;
  }

  function apply(): void {
    const root = document.documentElement;
    const base = preferences.activeTheme.tokens;
    const next = resolved.value.tokens;
    for (const name of applied) {
      if (name in next) continue;
      if (base[name] !== undefined) root.style.setProperty(`--${name}`, base[name]);
      else root.style.removeProperty(`--${name}`);
    }
    for (const [name, value] of Object.entries(next)) root.style.setProperty(`--${name}`, value);
    applied = Object.keys(next);
    root.dataset.tenantTheme = applied.length ? 'on' : 'off';
  }

  // After the preferences store has applied the base theme ('pre'), so tenant tokens end on top.
  watch(resolved, apply, { flush: 'post', immediate: true });
  watch(appName, (name) => (document.title = name), { immediate: true });
  watch(
    () => [session.status, session.currentTenant?.slug] as const,
    ([status]) => {
      stored.value = null;
      preview.value = null;
      if (status === 'signedIn') void load().catch(() => undefined);
    },
    { immediate: true },
  );

  return { stored, preview, appName, logoUrl, resolved, load, adopt };
});
