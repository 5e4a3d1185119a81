import { describe, expect, it } from 'vitest';
import { manifestSchema } from './manifest.schema.ts';
import type * as T from './manifest.types.ts';
import { activationEventsOf, engineSatisfies, extensionId, validateManifest, type ManifestError } from './validate.ts';

// --- compile-time proof that the hand-written types and the schema describe the same fields ---
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type RequiredKeys<O> = { [K in keyof O]-?: object extends Pick<O, K> ? never : K }[keyof O];
type SchemaKeys<S> = S extends { properties: infer P } ? keyof P : never;
type SchemaRequired<S> = S extends { required: readonly (infer R)[] } ? R : never;
type Agrees<O, S> = [Equal<keyof O, SchemaKeys<S>>, Equal<RequiredKeys<O>, SchemaRequired<S>>];
type D = (typeof manifestSchema)['definitions'];

const typesAgreeWithSchema: Array<[true, true]> = [
  [true, true] satisfies Agrees<T.ExtensionManifest, typeof manifestSchema>,
  [true, true] satisfies Agrees<T.ManifestEngines, D['engines']>,
  [true, true] satisfies Agrees<T.ManifestPermissions, D['permissions']>,
  [true, true] satisfies Agrees<T.Contributions, D['contributes']>,
  [true, true] satisfies Agrees<T.ToolContribution, D['tool']>,
  [true, true] satisfies Agrees<T.ModelProviderContribution, D['modelProvider']>,
  [true, true] satisfies Agrees<T.ModelContribution, D['model']>,
  [true, true] satisfies Agrees<T.ModelCapabilities, D['modelCapabilities']>,
  [true, true] satisfies Agrees<T.ArtifactRendererContribution, D['artifactRenderer']>,
  [true, true] satisfies Agrees<T.WidgetContribution, D['widget']>,
  [true, true] satisfies Agrees<T.DashboardContribution, D['dashboard']>,
  [true, true] satisfies Agrees<T.DashboardWidgetPlacement, D['dashboardWidget']>,
  [true, true] satisfies Agrees<T.CommandContribution, D['command']>,
  [true, true] satisfies Agrees<T.ThemeContribution, D['theme']>,
  [true, true] satisfies Agrees<T.SidecarContribution, D['sidecar']>,
  [true, true] satisfies Agrees<T.SidecarPort, D['sidecarPort']>,
];

function fullExample(): T.ExtensionManifest {
  return {
    name: 'company-kpis',
    publisher: 'penny',
    version: '1.0.0',
    displayName: 'Company KPIs',
    description: 'Revenue, churn and friends.',
    engines: { penny: '^1.0.0' },
    main: 'dist/extension.js',
    browser: 'dist/renderer.js',
    activationEvents: ['onTool:get_company_kpis', 'onStartupFinished'],
    permissions: { network: ['api.example.com', '*.example.org', '127.0.0.1:11434'], datasources: ['finance'], secrets: ['KPI_TOKEN'] },
    contributes: {
      tools: [
        {
          name: 'get_company_kpis',
          description: 'Returns KPIs for a quarter.',
          parameters: { type: 'object', properties: { quarter: { type: 'string' } }, required: ['quarter'] },
          timeoutMs: 10_000,
          confirm: false,
          maxResultBytes: 65_536,
        },
      ],
      modelProviders: [
        {
          id: 'kpi-llm',
          displayName: 'KPI LLM',
          local: true,
          models: [{ id: 'kpi-1:8b', displayName: 'KPI 1', contextWindow: 8192, capabilities: { tools: true, streaming: true, embeddings: false, vision: false } }],
        },
      ],
      artifactRenderers: [{ id: 'kpi-card', displayName: 'KPI card', mimeTypes: ['application/vnd.penny.kpi+json'] }],
      widgets: [
        { id: 'revenue', title: 'Revenue', renderer: 'kpi-card' },
        { id: 'table', title: 'Table', artifactMime: 'application/vnd.penny.table+json' },
      ],
      dashboards: [{ slug: 'finance', title: 'Finance', widgets: [{ widget: 'revenue', x: 0, y: 0, w: 6, h: 4 }, { widget: 'penny.charts/line', x: 6, y: 0, w: 6, h: 4 }] }],
      commands: [{ id: 'kpis.refresh', title: 'Refresh KPIs', category: 'KPIs' }],
      configuration: { type: 'object', properties: { currency: { type: 'string', default: 'EUR' } } },
      themes: [{ id: 'ledger', label: 'Ledger', kind: 'dark', tokens: { accent: '#3b82f6', 'surface.bg': '#111' } }],
      sidecars: [{ id: 'kpi-engine', command: 'bin/kpi-engine', args: ['--quiet'], env: ['KPI_TOKEN'], memoryMb: 256, port: { kind: 'loopback' } }],
    },
  };
}

function errorsOf(input: unknown): ManifestError[] {
  const result = validateManifest(input);
  if (result.ok) throw new Error('expected the manifest to be refused');
  return result.errors;
}

const messages = (input: unknown) => errorsOf(input).map((e) => e.message);

describe('validateManifest', () => {
  it('accepts the full example and returns it typed', () => {
    expect(typesAgreeWithSchema).toHaveLength(16);
    const result = validateManifest(fullExample());
    expect(result).toEqual({ ok: true, manifest: fullExample() });
  });

  it('accepts the architecture example and other package.json fields', () => {
    const manifest = {
      name: 'company-kpis', publisher: 'penny', version: '1.0.0', engines: { penny: '^1.0.0' }, main: 'dist/extension.js',
      license: 'Apache-2.0', scripts: { build: 'esbuild' },
      activationEvents: ['onTool:get_company_kpis'],
      permissions: { network: [], datasources: ['finance'], secrets: [] },
      contributes: {
        tools: [{ name: 'get_company_kpis', description: '…', parameters: { type: 'object' }, timeoutMs: 10000, confirm: false }],
        artifactRenderers: [], widgets: [], dashboards: [], modelProviders: [], commands: [], configuration: {}, themes: [],
      },
    };
    expect(validateManifest(manifest).ok).toBe(true);
  });

  it('names every missing required field, top level and nested', () => {
    for (const field of manifestSchema.required) {
      const manifest: Record<string, unknown> = { ...fullExample() };
      delete manifest[field];
      expect(messages(manifest)).toContain(`${field}: is required`);
    }
    const broken = fullExample() as unknown as { contributes: { tools: Array<Record<string, unknown>>; themes: Array<Record<string, unknown>> } };
    delete broken.contributes.tools[0]!.description;
    delete broken.contributes.themes[0]!.tokens;
    expect(messages(broken)).toEqual(
      expect.arrayContaining(['contributes.tools[0].description: is required', 'contributes.themes[0].tokens: is required']),
    );
  });

  it('explains pattern, type, enum and unknown-field problems with the field path', () => {
    const m = fullExample() as unknown as Record<string, any>;
    m.contributes.tools[0].name = 'Get-KPIs';
    m.contributes.tools[0].timeoutMs = 'soon';
    m.contributes.themes[0].kind = 'sepia';
    m.contributes.commands[0].shortcut = 'ctrl+k';
    m.permissions.network.push('*');
    m.main = '../outside.js';
    const found = messages(m);
    expect(found).toEqual(
      expect.arrayContaining([
        'contributes.tools[0].name: must match ^[a-z][a-z0-9_]{0,63}$',
        'contributes.tools[0].timeoutMs: must be integer',
        'contributes.themes[0].kind: must be one of: light, dark, high-contrast',
        'contributes.commands[0].shortcut: is not a known field',
        'permissions.network[3]: must be a host pattern such as api.example.com, *.example.com or 127.0.0.1:11434',
        'main: must be a relative path inside the bundle (no leading /, no ..)',
      ]),
    );
    expect(messages('not an object')).toEqual(['(manifest): must be object']);
  });

  it('refuses duplicate contributions', () => {
    const m = fullExample();
    m.contributes!.tools!.push({ ...m.contributes!.tools![0]! });
    m.contributes!.commands!.push({ id: 'kpis.refresh', title: 'Again' });
    expect(messages(m)).toEqual([
      'contributes.tools[1].name: duplicates contributes.tools[0].name ("get_company_kpis")',
      'contributes.commands[1].id: duplicates contributes.commands[0].id ("kpis.refresh")',
    ]);
  });

  it('refuses "*" and activation events that name nothing contributed', () => {
    const m = fullExample();
    m.activationEvents = ['*', 'onTool:missing_tool', 'onCommand:kpis.refresh', 'onView:x'];
    const found = messages(m);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^activationEvents\[0\]: "\*" is not allowed/);
    expect(found[1]).toBe('activationEvents[1]: "onTool:missing_tool" names nothing in contributes.tools');
    expect(found[2]).toMatch(/^activationEvents\[3\]: unknown activation event "onView:x"/);
  });

  it('requires main for code contributions and browser for renderers', () => {
    const m = fullExample();
    delete m.main;
    delete m.browser;
    m.activationEvents = [];
    expect(messages(m)).toEqual([
      'main: is required because the extension contributes tools, modelProviders, commands',
      'browser: is required because the extension contributes artifactRenderers',
    ]);
    const themeOnly = { name: 'night', publisher: 'penny', version: '1.0.0', engines: { penny: '^1.0.0' }, contributes: { themes: fullExample().contributes!.themes! } };
    expect(validateManifest(themeOnly).ok).toBe(true);
  });

  it('checks cross-field references and embedded JSON Schemas', () => {
    const m = fullExample();
    const c = m.contributes!;
    c.tools![0]!.parameters = { type: 'object', properties: { quarter: { type: 'quarterly' } } };
    c.configuration = { type: 'array' };
    c.widgets!.push({ id: 'both', title: 'Both', renderer: 'kpi-card', artifactMime: 'text/plain' });
    c.widgets!.push({ id: 'ghost', title: 'Ghost', renderer: 'no-such-renderer' });
    c.dashboards![0]!.widgets.push({ widget: 'nope', x: 10, y: 0, w: 4, h: 1 });
    c.sidecars![0]!.env = ['UNDECLARED'];
    m.version = 'one';
    m.engines.penny = 'newest please';
    const found = messages(m);
    expect(found).toEqual([
      'version: must be a semantic version such as 1.0.0',
      'engines.penny: must be a semver range such as ^1.0.0',
      'contributes.widgets[2]: must name exactly one of artifactMime or renderer',
      'contributes.widgets[3].renderer: names no renderer in contributes.artifactRenderers ("no-such-renderer")',
      'contributes.dashboards[0].widgets[2]: must fit the 12-column grid (x + w <= 12)',
      'contributes.dashboards[0].widgets[2].widget: names no widget in contributes.widgets ("nope")',
      expect.stringMatching(/^contributes\.tools\[0\]\.parameters: is not a valid JSON Schema: /),
      'contributes.configuration.type: must be "object"',
      'contributes.sidecars[0].env[0]: "UNDECLARED" is not declared in permissions.secrets',
    ]);
  });
});

describe('manifest helpers', () => {
  it('derives activation events from contributions plus declared ones', () => {
    expect(activationEventsOf(fullExample())).toEqual([
      'onTool:get_company_kpis',
      'onModelProvider:kpi-llm',
      'onCommand:kpis.refresh',
      'onStartupFinished',
    ]);
  });

  it('builds the extension id and checks engine ranges', () => {
    expect(extensionId(fullExample())).toBe('penny.company-kpis');
    expect(engineSatisfies('^1.0.0', '1.4.2')).toBe(true);
    expect(engineSatisfies('^1.0.0', '2.0.0')).toBe(false);
    expect(engineSatisfies('^1.2.0', '1.3.0-beta.1')).toBe(true);
    expect(engineSatisfies('garbage', '1.0.0')).toBe(false);
    expect(engineSatisfies('^1.0.0', 'garbage')).toBe(false);
  });
});
