// What the Vega-Lite renderer checks before handing a spec to the compiler, and the chart theme it
// derives from the workbench's CSS variables (light, dark, high contrast, or a contributed theme).
import type { JsonValue } from '../api/types.ts';

/** Keys of which a Vega-Lite view has at least one: a mark, or a way to compose views. */
const VIEW_KEYS = ['mark', 'layer', 'concat', 'hconcat', 'vconcat', 'facet', 'repeat'];

export type VegaLiteSpec = Record<string, JsonValue>;

export class SpecProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'SpecProblem';
  }
}

const isObject = (v: unknown): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Returns a plain copy of the spec after structural checks that give a clear message where the compiler would give an obscure one, and
 * refuse what must not run here: data fetched from a URL (the page may only talk to its own API).
 */
export function checkVegaLiteSpec(data: unknown): VegaLiteSpec {
  if (!isObject(data)) throw new SpecProblem('spec', 'must be a JSON object');
  const schema = data.$schema;
  if (schema !== undefined && (typeof schema !== 'string' || !/vega-lite/.test(schema))) {
    throw new SpecProblem('spec.$schema', `names ${JSON.stringify(schema)}, not a Vega-Lite schema`);
  }
  checkView(data, 'spec');
  // A plain copy: artifact data may be a reactive proxy, which the compiler cannot clone.
  return JSON.parse(JSON.stringify(data)) as VegaLiteSpec;
}

function checkView(view: Record<string, JsonValue>, path: string): void {
  if (!VIEW_KEYS.some((k) => k in view) && !('spec' in view)) throw new SpecProblem(path, `has none of ${VIEW_KEYS.join(', ')}`);
  checkData(view.data, `${path}.data`);
  if ('mark' in view) {
    const mark = view.mark;
    const type = isObject(mark) ? mark.type : mark;
    if (typeof type !== 'string') throw new SpecProblem(`${path}.mark`, 'must be a mark type or an object with a "type"');
  }
  if ('encoding' in view && !isObject(view.encoding)) throw new SpecProblem(`${path}.encoding`, 'must be an object');
  for (const key of ['layer', 'concat', 'hconcat', 'vconcat'] as const) {
    if (!(key in view)) continue;
    const parts = view[key];
    if (!Array.isArray(parts) || !parts.length) throw new SpecProblem(`${path}.${key}`, 'must be a non-empty list of views');
    parts.forEach((part, i) => {
      if (!isObject(part)) throw new SpecProblem(`${path}.${key}[${i}]`, 'must be an object');
      checkView(part, `${path}.${key}[${i}]`);
    });
  }
  if (isObject(view.spec)) checkView(view.spec, `${path}.spec`);
}

function checkData(data: JsonValue | undefined, path: string): void {
  if (data === undefined || data === null) return;
  if (!isObject(data)) throw new SpecProblem(path, 'must be an object');
  if ('url' in data) throw new SpecProblem(`${path}.url`, 'data from a URL is not loaded here; inline it as data.values');
  if ('values' in data && !Array.isArray(data.values) && typeof data.values !== 'string' && !isObject(data.values)) {
    throw new SpecProblem(`${path}.values`, 'must be a list of records');
  }
}

/** The CSS variables a chart follows, read at render time so a theme switch re-renders in the new colours. */
export interface ChartTheme {
  kind: string;
  text: string;
  muted: string;
  border: string;
  surface: string;
  accent: string;
  font: string;
}

export function currentChartTheme(root: HTMLElement = document.documentElement): ChartTheme {
  const style = getComputedStyle(root);
  const read = (name: string, fallback: string) => style.getPropertyValue(`--${name}`).trim() || fallback;
  return {
    kind: root.dataset.themeKind ?? 'light',
    text: read('text', '#1b2130'),
    muted: read('text-muted', '#566074'),
    border: read('border', '#d8dce3'),
    surface: read('surface', '#ffffff'),
    accent: read('accent', '#3451c7'),
    font: read('font-sans', 'system-ui, sans-serif'),
  };
}

/** A Vega-Lite config from the theme: transparent background, axes and legends in theme colours. */
export function chartConfig(theme: ChartTheme): Record<string, JsonValue> {
  const strong = theme.kind === 'high-contrast';
  const axis = {
    labelColor: theme.text,
    titleColor: theme.text,
    domainColor: strong ? theme.text : theme.border,
    tickColor: strong ? theme.text : theme.border,
    gridColor: theme.border,
    gridOpacity: strong ? 0.9 : 0.6,
    labelFont: theme.font,
    titleFont: theme.font,
    labelFontSize: strong ? 12 : 11,
    titleFontSize: strong ? 13 : 12,
    domainWidth: strong ? 2 : 1,
  };
  return {
    background: 'transparent',
    font: theme.font,
    view: { stroke: 'transparent' },
    title: { color: theme.text, font: theme.font, subtitleColor: theme.muted, anchor: 'start', fontSize: 13 },
    axis,
    legend: { labelColor: theme.text, titleColor: theme.text, labelFont: theme.font, titleFont: theme.font },
    header: { labelColor: theme.text, titleColor: theme.text },
    mark: { color: theme.accent },
    line: { strokeWidth: strong ? 3 : 2 },
    point: { size: strong ? 60 : 30, filled: true },
    range: strong ? { category: ['#ffff00', '#00ffff', '#ff66ff', '#66ff66', '#ff9900', '#ffffff'] } : {},
  };
}
