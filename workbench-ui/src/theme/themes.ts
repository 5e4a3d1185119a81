// Design tokens of the built-in themes. Every token becomes a CSS variable (`--<name>`) on <html>
// at runtime, so a tenant or an extension theme re-skins the workbench without a rebuild.
import type { ThemeKind } from '@penny/manifests';

export type ThemeTokens = Record<string, string>;

export interface ThemeDefinition {
  id: string;
  label: string;
  kind: ThemeKind;
  tokens: ThemeTokens;
}

const shared: ThemeTokens = {
  'font-sans': 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, "Helvetica Neue", Arial, sans-serif',
  'font-mono': 'ui-monospace, "SFMono-Regular", "Cascadia Mono", Menlo, Consolas, monospace',
  radius: '8px',
  'radius-small': '5px',
  'border-width': '1px',
  'focus-width': '2px',
};

export const LIGHT: ThemeDefinition = {
  id: 'light',
  label: 'Light',
  kind: 'light',
  tokens: {
    ...shared,
    bg: '#f5f6f8',
    surface: '#ffffff',
    'surface-2': '#f0f2f5',
    'surface-hover': '#e9ecf1',
    border: '#d8dce3',
    text: '#1b2130',
    'text-muted': '#566074',
    accent: '#3451c7',
    'accent-text': '#ffffff',
    'accent-soft': '#e6ebfc',
    danger: '#b42318',
    'danger-soft': '#fdecea',
    success: '#177245',
    'success-soft': '#e3f4ea',
    warning: '#8a5300',
    'warning-soft': '#fff3d6',
    focus: '#3451c7',
    shadow: '0 1px 2px rgba(16, 24, 40, 0.06), 0 6px 16px rgba(16, 24, 40, 0.08)',
    overlay: 'rgba(15, 20, 30, 0.45)',
  },
};

export const DARK: ThemeDefinition = {
  id: 'dark',
  label: 'Dark',
  kind: 'dark',
  tokens: {
    ...shared,
    bg: '#0e1116',
    surface: '#161a21',
    'surface-2': '#1d222b',
    'surface-hover': '#252b36',
    border: '#2d3441',
    text: '#e6e9ef',
    'text-muted': '#9ba4b4',
    accent: '#8aa2ff',
    'accent-text': '#0b1020',
    'accent-soft': '#1f2a4f',
    danger: '#ff7b72',
    'danger-soft': '#3b1614',
    success: '#56d39a',
    'success-soft': '#112e20',
    warning: '#f2b84b',
    'warning-soft': '#372a0b',
    focus: '#8aa2ff',
    shadow: '0 1px 2px rgba(0, 0, 0, 0.5), 0 8px 20px rgba(0, 0, 0, 0.35)',
    overlay: 'rgba(0, 0, 0, 0.6)',
  },
};

export const HIGH_CONTRAST: ThemeDefinition = {
  id: 'high-contrast',
  label: 'High contrast',
  kind: 'high-contrast',
  tokens: {
    ...shared,
    'border-width': '2px',
    'focus-width': '3px',
    bg: '#000000',
    surface: '#000000',
    'surface-2': '#0d0d0d',
    'surface-hover': '#1f1f1f',
    border: '#ffffff',
    text: '#ffffff',
    'text-muted': '#f0f0f0',
    accent: '#ffe500',
    'accent-text': '#000000',
    'accent-soft': '#2e2900',
    danger: '#ff6b6b',
    'danger-soft': '#2a0000',
    success: '#6dff9e',
    'success-soft': '#002a10',
    warning: '#ffe500',
    'warning-soft': '#2e2900',
    focus: '#00e5ff',
    shadow: 'none',
    overlay: 'rgba(0, 0, 0, 0.85)',
  },
};

export const BUILTIN_THEMES: readonly ThemeDefinition[] = [LIGHT, DARK, HIGH_CONTRAST];

const BASE_BY_KIND: Record<ThemeKind, ThemeDefinition> = { light: LIGHT, dark: DARK, 'high-contrast': HIGH_CONTRAST };

const TOKEN_NAME = /^[a-z][a-z0-9-]{0,63}$/;
// Colours, lengths, font stacks and shadows; never url(), so a theme cannot make the page fetch.
const TOKEN_VALUE = /^[\w\s#(),.%'"+/-]{1,200}$/;

/** A contributed theme on top of the built-in of its kind, keeping only well-formed tokens. */
export function extendTheme(kind: ThemeKind, tokens: ThemeTokens): ThemeTokens {
  const merged: ThemeTokens = { ...BASE_BY_KIND[kind].tokens };
  for (const [name, value] of Object.entries(tokens)) {
    if (TOKEN_NAME.test(name) && TOKEN_VALUE.test(value) && !/url\s*\(/i.test(value)) merged[name] = value;
  }
  return merged;
}

/** Writes the tokens as CSS variables on the root element and tells the browser the colour scheme. */
export function applyTheme(root: HTMLElement, kind: ThemeKind, tokens: ThemeTokens): void {
  for (const [name, value] of Object.entries(tokens)) root.style.setProperty(`--${name}`, value);
  root.dataset.themeKind = kind;
  root.style.colorScheme = kind === 'light' ? 'light' : 'dark';
}
