// The page ⇄ renderer-frame protocol. Contributed renderers run in <iframe sandbox="allow-scripts">
// (an opaque origin, "null") and exchange exactly these messages with the page. The page accepts a
// message only from its own frame's window, from the opaque origin, and only in this shape;
// anything else is ignored.
import type { JsonValue } from '../api/types.ts';
import type { RenderableArtifact, RenderMode } from './registry.ts';

export const PROTOCOL_VERSION = 1;
/** Largest height a frame may ask for, in CSS pixels. */
export const MAX_FRAME_HEIGHT = 4000;
const MAX_ACTION_BYTES = 64 * 1024;
const ACTION_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export interface FrameTheme {
  kind: string;
  tokens: Record<string, string>;
}

/** Page → frame. */
export interface RenderMessage {
  penny: 1;
  type: 'render';
  renderer: string;
  mode: RenderMode;
  artifact: { mimeType: string; title: string; data: JsonValue; encoding?: string };
  theme: FrameTheme;
}

/** Frame → page. */
export type FrameMessage =
  | { penny: 1; type: 'ready' }
  | { penny: 1; type: 'resize'; height: number }
  | { penny: 1; type: 'action'; action: string; payload: JsonValue };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const hasOnly = (v: Record<string, unknown>, keys: string[]) => Object.keys(v).every((k) => keys.includes(k));

/** The message, if it has exactly the shape of one of the frame's messages; otherwise null. */
export function parseFrameMessage(data: unknown): FrameMessage | null {
  if (!isPlainObject(data) || data.penny !== PROTOCOL_VERSION) return null;
  switch (data.type) {
    case 'ready':
      return hasOnly(data, ['penny', 'type']) ? { penny: 1, type: 'ready' } : null;
    case 'resize': {
      const height = data.height;
      if (
        !hasOnly(data, ['penny', 'type', 'height']) ||
        typeof height !== 'number' ||
        !Number.isFinite(height) ||
        height < 0 ||
        height > MAX_FRAME_HEIGHT
      )
        return null;
      return { penny: 1, type: 'resize', height: Math.ceil(height) };
    }
    case 'action': {
      if (!hasOnly(data, ['penny', 'type', 'action', 'payload']) || typeof data.action !== 'string' || !ACTION_NAME.test(data.action))
        return null;
      let size: number;
      try {
        size = JSON.stringify(data.payload ?? null).length;
      } catch {
        return null;
      }
      if (size > MAX_ACTION_BYTES) return null;
      return { penny: 1, type: 'action', action: data.action, payload: (data.payload ?? null) as JsonValue };
    }
    default:
      return null;
  }
}

/** A message event the page may act on: from this frame's window, the sandbox's opaque origin, in shape. */
export function acceptFrameMessage(
  event: Pick<MessageEvent, 'source' | 'origin' | 'data'>,
  frame: Window | null | undefined,
): FrameMessage | null {
  if (!frame || event.source !== frame || event.origin !== 'null') return null;
  return parseFrameMessage(event.data);
}

/** Plain JSON (no reactive proxies, nothing uncloneable) for postMessage. */
export function renderMessage(renderer: string, artifact: RenderableArtifact, mode: RenderMode, theme: FrameTheme): RenderMessage {
  const data = JSON.parse(JSON.stringify(artifact.data ?? null)) as JsonValue;
  return {
    penny: 1,
    type: 'render',
    renderer,
    mode,
    artifact: { mimeType: artifact.mimeType, title: artifact.title, data, ...(artifact.encoding ? { encoding: artifact.encoding } : {}) },
    theme: { kind: theme.kind, tokens: { ...theme.tokens } },
  };
}

/** Theme tokens a frame receives, read from the page's CSS variables. */
export const FRAME_THEME_TOKENS = [
  'bg',
  'surface',
  'surface-2',
  'border',
  'text',
  'text-muted',
  'accent',
  'accent-text',
  'danger',
  'success',
  'warning',
  'font-sans',
  'font-mono',
  'radius',
  'radius-small',
];

export function currentFrameTheme(root: HTMLElement = document.documentElement): FrameTheme {
  const style = getComputedStyle(root);
  const tokens: Record<string, string> = {};
  for (const name of FRAME_THEME_TOKENS) {
    const value = style.getPropertyValue(`--${name}`).trim();
    if (value) tokens[name] = value;
  }
  return { kind: root.dataset.themeKind ?? 'light', tokens };
}

/** The kernel-served document the renderer runs in. */
export function frameUrl(extensionId: string, renderer: string, tenant: string): string {
  const query = new URLSearchParams({ tenant, renderer });
  return `/v1/extensions/${encodeURIComponent(extensionId)}/renderer-frame?${query.toString()}`;
}
