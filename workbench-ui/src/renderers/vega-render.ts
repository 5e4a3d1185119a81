// Vega-Lite → Vega → SVG, loaded on first use in its own chunk (Vega is several hundred kB).
// Expressions are interpreted (see vega-interpreter.ts), external resources refused and the chart
// drawn as SVG, so it needs nothing the page's Content-Security-Policy forbids.
import { compile } from 'vega-lite';
import { loader as vegaLoader, parse, View } from 'vega';
import type { JsonValue } from '../api/types.ts';
import { expressionInterpreter } from './vega-interpreter.ts';
import type { VegaLiteSpec } from './vega-spec.ts';

export interface ChartSize {
  width: number;
  /** Fill this height; otherwise the spec's own (or 240). */
  height?: number;
}

export interface RenderedChart {
  resize(size: ChartSize): Promise<void>;
  dispose(): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A single view sizes to its box; compositions keep their own sizes. */
function sized(spec: VegaLiteSpec, size: ChartSize): VegaLiteSpec {
  if (!('mark' in spec || 'layer' in spec)) return spec;
  const out: VegaLiteSpec = { ...spec, width: Math.max(120, Math.floor(size.width)), autosize: { type: 'fit', contains: 'padding' } };
  if (size.height) out.height = Math.max(80, Math.floor(size.height));
  else if (typeof spec.height !== 'number') out.height = 240;
  return out;
}

export async function renderVegaLite(
  container: HTMLElement,
  spec: VegaLiteSpec,
  config: Record<string, JsonValue>,
  size: ChartSize,
  onDatum: (datum: Record<string, unknown>) => void,
): Promise<RenderedChart> {
  const compiled = compile(sized(spec, size) as never, { config: config as never }).spec;
  const runtime = parse(compiled, undefined, { ast: true });
  // Charts here carry their data inline; a URL would be a request the page never meant to make.
  const loader = vegaLoader();
  loader.sanitize = () => Promise.reject(new Error('charts cannot load external resources'));
  const view = new View(runtime, { renderer: 'svg', container, hover: true, loader, expr: expressionInterpreter as never });
  view.addEventListener('click', (_event, item) => {
    const datum = (item as { datum?: unknown } | null | undefined)?.datum;
    if (isObject(datum)) onDatum(datum);
  });
  await view.runAsync();
  const single = 'mark' in spec || 'layer' in spec;
  return {
    async resize(next) {
      if (!single) return;
      view.width(Math.max(120, Math.floor(next.width)));
      if (next.height) view.height(Math.max(80, Math.floor(next.height)));
      await view.runAsync();
    },
    dispose: () => view.finalize(),
  };
}
