// Manifest validation: the JSON Schema for structure, then the checks that span fields
// (duplicates, references between fields, activation rules) which a schema cannot express.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import semver from 'semver';
import { manifestSchema, patterns } from './manifest.schema.ts';
import type { ExtensionManifest } from './manifest.types.ts';

export interface ManifestError {
  /** Dotted path of the offending field, e.g. `contributes.tools[0].name`; `(manifest)` for the root. */
  path: string;
  /** `path: problem`, readable on its own. */
  message: string;
}

export type ManifestValidation =
  | { ok: true; manifest: ExtensionManifest }
  | { ok: false; errors: ManifestError[] };

export type ActivationEventKind = 'onTool' | 'onModelProvider' | 'onCommand' | 'onStartupFinished';

export interface ActivationEvent {
  kind: ActivationEventKind;
  target?: string;
}

let compiled: ValidateFunction | undefined;
function structureValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(manifestSchema);
  return compiled;
}

const patternHints: Record<string, string> = {
  [patterns.hostPattern]: 'must be a host pattern such as api.example.com, *.example.com or 127.0.0.1:11434',
  [patterns.bundlePath]: 'must be a relative path inside the bundle (no leading /, no ..)',
  [patterns.contributionRef]: 'must be an id such as my-widget or publisher.name/my-widget',
};

function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || '(manifest)';
}

function error(segments: ReadonlyArray<string | number>, problem: string): ManifestError {
  const path = formatPath(segments);
  return { path, message: `${path}: ${problem}` };
}

function fromAjv(e: ErrorObject): ManifestError | undefined {
  const at = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return error([...at, String(params.missingProperty)], 'is required');
    case 'additionalProperties':
      return error([...at, String(params.additionalProperty)], 'is not a known field');
    case 'propertyNames':
      return undefined; // reported by the nested keyword, which carries `propertyName`
    case 'pattern': {
      const pattern = String(params.pattern);
      const problem = patternHints[pattern] ?? `must match ${pattern}`;
      if (e.propertyName !== undefined) return error([...at, e.propertyName], `name ${problem}`);
      return error(at, problem);
    }
    case 'enum':
      return error(at, `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`);
    case 'const':
      return error(at, `must be ${JSON.stringify(params.allowedValue)}`);
    default:
      return error(at, e.message ?? `fails ${e.keyword}`);
  }
}

function checkJsonSchema(value: unknown, at: Array<string | number>, errors: ManifestError[]): void {
  const ajv = new Ajv({ strict: false, allErrors: true });
  if (!ajv.validateSchema(value as object)) {
    const detail = (ajv.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ');
    errors.push(error(at, `is not a valid JSON Schema: ${detail}`));
    return;
  }
  try {
    ajv.compile(value as object);
  } catch (cause) {
    errors.push(error(at, `is not a valid JSON Schema: ${(cause as Error).message}`));
  }
}

function checkDuplicates<T>(
  items: readonly T[] | undefined,
  key: (item: T) => string,
  at: (index: number) => Array<string | number>,
  errors: ManifestError[],
): void {
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, index) => {
    const value = key(item);
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else errors.push(error(at(index), `duplicates ${formatPath(at(first))} (${JSON.stringify(value)})`));
  });
}

export function parseActivationEvent(event: string): ActivationEvent | undefined {
  if (event === 'onStartupFinished') return { kind: 'onStartupFinished' };
  const match = /^(onTool|onModelProvider|onCommand):(.+)$/.exec(event);
  if (!match) return undefined;
  return { kind: match[1] as ActivationEventKind, target: match[2] };
}

function semanticErrors(manifest: ExtensionManifest): ManifestError[] {
  const errors: ManifestError[] = [];
  const c = manifest.contributes ?? {};

  if (!semver.valid(manifest.version)) errors.push(error(['version'], 'must be a semantic version such as 1.0.0'));
  if (!semver.validRange(manifest.engines.penny)) {
    errors.push(error(['engines', 'penny'], 'must be a semver range such as ^1.0.0'));
  }

  const needsMain = (['tools', 'modelProviders', 'commands'] as const).filter((point) => (c[point]?.length ?? 0) > 0);
  if (needsMain.length > 0 && !manifest.main) {
    errors.push(error(['main'], `is required because the extension contributes ${needsMain.join(', ')}`));
  }
  if ((c.artifactRenderers?.length ?? 0) > 0 && !manifest.browser) {
    errors.push(error(['browser'], 'is required because the extension contributes artifactRenderers'));
  }

  const cpath = (point: string) => (index: number) => ['contributes', point, index];
  checkDuplicates(c.tools, (t) => t.name, (i) => [...cpath('tools')(i), 'name'], errors);
  checkDuplicates(c.modelProviders, (p) => p.id, (i) => [...cpath('modelProviders')(i), 'id'], errors);
  c.modelProviders?.forEach((provider, p) =>
    checkDuplicates(provider.models, (m) => m.id, (i) => ['contributes', 'modelProviders', p, 'models', i, 'id'], errors),
  );
  checkDuplicates(c.artifactRenderers, (r) => r.id, (i) => [...cpath('artifactRenderers')(i), 'id'], errors);
  checkDuplicates(c.widgets, (w) => w.id, (i) => [...cpath('widgets')(i), 'id'], errors);
  checkDuplicates(c.dashboards, (d) => d.slug, (i) => [...cpath('dashboards')(i), 'slug'], errors);
  checkDuplicates(c.commands, (d) => d.id, (i) => [...cpath('commands')(i), 'id'], errors);
  checkDuplicates(c.themes, (t) => t.id, (i) => [...cpath('themes')(i), 'id'], errors);
  checkDuplicates(c.sidecars, (s) => s.id, (i) => [...cpath('sidecars')(i), 'id'], errors);

  const rendererIds = new Set((c.artifactRenderers ?? []).map((r) => r.id));
  c.widgets?.forEach((widget, i) => {
    if ((widget.artifactMime === undefined) === (widget.renderer === undefined)) {
      errors.push(error(cpath('widgets')(i), 'must name exactly one of artifactMime or renderer'));
    } else if (widget.renderer && !widget.renderer.includes('/') && !rendererIds.has(widget.renderer)) {
      errors.push(error([...cpath('widgets')(i), 'renderer'], `names no renderer in contributes.artifactRenderers (${JSON.stringify(widget.renderer)})`));
    }
  });
  const widgetIds = new Set((c.widgets ?? []).map((w) => w.id));
  c.dashboards?.forEach((dashboard, d) =>
    dashboard.widgets.forEach((placement, i) => {
      if (placement.x + placement.w > 12) {
        errors.push(error(['contributes', 'dashboards', d, 'widgets', i], 'must fit the 12-column grid (x + w <= 12)'));
      }
      if (!placement.widget.includes('/') && !widgetIds.has(placement.widget)) {
        errors.push(error(['contributes', 'dashboards', d, 'widgets', i, 'widget'], `names no widget in contributes.widgets (${JSON.stringify(placement.widget)})`));
      }
    }),
  );

  c.tools?.forEach((tool, i) => checkJsonSchema(tool.parameters, [...cpath('tools')(i), 'parameters'], errors));
  if (c.configuration !== undefined) {
    const type = c.configuration.type;
    if (type !== undefined && type !== 'object') {
      errors.push(error(['contributes', 'configuration', 'type'], 'must be "object"'));
    } else {
      checkJsonSchema(c.configuration, ['contributes', 'configuration'], errors);
    }
  }

  const declaredSecrets = new Set(manifest.permissions?.secrets ?? []);
  c.sidecars?.forEach((sidecar, s) =>
    sidecar.env?.forEach((name, i) => {
      if (!declaredSecrets.has(name)) {
        errors.push(error(['contributes', 'sidecars', s, 'env', i], `${JSON.stringify(name)} is not declared in permissions.secrets`));
      }
    }),
  );

  const known: Record<Exclude<ActivationEventKind, 'onStartupFinished'>, { names: Set<string>; point: string }> = {
    onTool: { names: new Set((c.tools ?? []).map((t) => t.name)), point: 'contributes.tools' },
    onModelProvider: { names: new Set((c.modelProviders ?? []).map((p) => p.id)), point: 'contributes.modelProviders' },
    onCommand: { names: new Set((c.commands ?? []).map((x) => x.id)), point: 'contributes.commands' },
  };
  manifest.activationEvents?.forEach((event, i) => {
    const at = ['activationEvents', i];
    if (event === '*') {
      errors.push(error(at, '"*" is not allowed: activation is lazy; name the tool, provider or command that needs the extension, or use onStartupFinished'));
      return;
    }
    const parsed = parseActivationEvent(event);
    if (!parsed) {
      errors.push(error(at, `unknown activation event ${JSON.stringify(event)}; expected onTool:<name>, onModelProvider:<id>, onCommand:<id> or onStartupFinished`));
      return;
    }
    if (parsed.kind === 'onStartupFinished') {
      if (!manifest.main) errors.push(error(at, 'onStartupFinished needs main: there is no code to activate'));
      return;
    }
    const { names, point } = known[parsed.kind];
    if (!names.has(parsed.target ?? '')) errors.push(error(at, `${JSON.stringify(event)} names nothing in ${point}`));
  });

  return errors;
}

export function validateManifest(input: unknown): ManifestValidation {
  const validate = structureValidator();
  if (!validate(input)) {
    const errors = (validate.errors ?? []).map(fromAjv).filter((e): e is ManifestError => e !== undefined);
    return { ok: false, errors };
  }
  const manifest = input as ExtensionManifest;
  const errors = semanticErrors(manifest);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, manifest };
}

export function formatManifestErrors(errors: readonly ManifestError[]): string {
  return errors.map((e) => e.message).join('\n');
}

/** Every event that activates the extension: those implied by contributions, then the declared ones. */
export function activationEventsOf(manifest: ExtensionManifest): string[] {
  const c = manifest.contributes ?? {};
  const events = [
    ...(c.tools ?? []).map((t) => `onTool:${t.name}`),
    ...(c.modelProviders ?? []).map((p) => `onModelProvider:${p.id}`),
    ...(c.commands ?? []).map((x) => `onCommand:${x.id}`),
    ...(manifest.activationEvents ?? []),
  ];
  return [...new Set(events)];
}

export function extensionId(manifest: Pick<ExtensionManifest, 'publisher' | 'name'>): string {
  return `${manifest.publisher}.${manifest.name}`;
}

/** Whether a kernel `version` lies in an extension's `engines.penny` range; false for malformed input. */
export function engineSatisfies(range: string, version: string): boolean {
  if (!semver.valid(version) || !semver.validRange(range)) return false;
  return semver.satisfies(version, range, { includePrerelease: true });
}
