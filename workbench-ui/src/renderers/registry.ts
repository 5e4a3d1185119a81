// One registry renders every artifact: renderers register for mime types (exact, `type/*` or `*/*`)
// and the most specific match wins. Built-in renderers register at start-up; renderers contributed
// by extensions (their `browser` bundle in a sandboxed iframe) will register the same way.
import { shallowRef, type Component } from 'vue';
import type { JsonValue } from '../api/types.ts';

export interface RenderableArtifact {
  mimeType: string;
  title: string;
  data: JsonValue;
  encoding?: 'json' | 'text' | 'base64';
}

/** Where the artifact is shown: renderers may size themselves differently. */
export type RenderMode = 'inline' | 'panel' | 'fullscreen';

/** Props every renderer component receives. */
export interface RendererProps {
  artifact: RenderableArtifact;
  mode: RenderMode;
}

export interface ArtifactRenderer {
  id: string;
  /** Human-readable, shown as "Rendered by …". */
  label: string;
  mimeTypes: string[];
  component: Component;
  /** Breaks ties between renderers matching equally well; higher wins. */
  priority?: number;
}

export interface Disposable {
  dispose(): void;
}

/** Exact type 3, `type/*` 2, `*\/*` 1, no match 0. */
export function matchScore(pattern: string, mimeType: string): number {
  const wanted = pattern.toLowerCase();
  const actual = mimeType.toLowerCase().split(';')[0]!.trim();
  if (wanted === actual) return 3;
  if (wanted === '*/*') return 1;
  if (wanted.endsWith('/*') && actual.startsWith(wanted.slice(0, -1))) return 2;
  return 0;
}

export class RendererRegistry {
  // Reactive, so a renderer registered later (an extension installed meanwhile) re-renders artifacts.
  private readonly renderers = shallowRef<ArtifactRenderer[]>([]);

  register(renderer: ArtifactRenderer): Disposable {
    if (this.renderers.value.some((r) => r.id === renderer.id)) throw new Error(`a renderer with id "${renderer.id}" is already registered`);
    this.renderers.value = [...this.renderers.value, renderer];
    return { dispose: () => (this.renderers.value = this.renderers.value.filter((r) => r !== renderer)) };
  }

  /** The best renderer for a mime type; later registrations win ties, so extensions can override. */
  resolve(mimeType: string): ArtifactRenderer | null {
    let best: ArtifactRenderer | null = null;
    let bestScore = 0;
    for (const renderer of this.renderers.value) {
      const score = Math.max(0, ...renderer.mimeTypes.map((p) => matchScore(p, mimeType)));
      if (!score) continue;
      const weighted = score * 1000 + (renderer.priority ?? 0);
      if (weighted >= bestScore) {
        best = renderer;
        bestScore = weighted;
      }
    }
    return best;
  }

  list(): readonly ArtifactRenderer[] {
    return this.renderers.value;
  }
}

/** The workbench's registry; see builtin.ts for what is registered at start-up. */
export const renderers = new RendererRegistry();
