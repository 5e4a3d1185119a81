// JSON Schema (draft-07) of the extension manifest and of each contribution point.
// Structural only; checks that span fields live in `validate.ts`.

export const patterns = {
  packageName: '^[a-z0-9][a-z0-9-]{0,63}$',
  toolName: '^[a-z][a-z0-9_]{0,63}$',
  contributionId: '^[a-z][a-z0-9-]{0,63}$',
  commandId: '^[a-z][A-Za-z0-9_.-]{0,127}$',
  modelId: '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$',
  mimeType: '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$',
  hostPattern:
    '^(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$|^\\[[0-9a-f:.]+\\](:[0-9]{1,5})?$',
  secretName: '^[A-Za-z_][A-Za-z0-9_]{0,127}$',
  datasourceName: '^[a-z][a-z0-9_-]{0,63}$',
  bundlePath: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._/-]+$',
  contributionRef: '^([a-z0-9][a-z0-9-]{0,63}\\.[a-z0-9][a-z0-9-]{0,63}/)?[a-z][a-z0-9-]{0,63}$',
  tokenName: '^[a-zA-Z][a-zA-Z0-9.-]{0,127}$',
} as const;

const nonEmpty = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const stringList = <P extends string>(pattern: P) =>
  ({ type: 'array', items: { type: 'string', pattern }, uniqueItems: true, maxItems: 256 }) as const;

export const manifestSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:penny:schema:extension-manifest',
  title: 'Penny extension manifest',
  type: 'object',
  // A manifest is a package.json: npm's own fields (scripts, dependencies, license...) may sit beside ours.
  additionalProperties: true,
  required: ['name', 'publisher', 'version', 'engines'],
  properties: {
    name: { type: 'string', pattern: patterns.packageName },
    publisher: { type: 'string', pattern: patterns.packageName },
    version: { type: 'string', minLength: 1, maxLength: 64 },
    displayName: { type: 'string', maxLength: 128 },
    description: { type: 'string', maxLength: 2048 },
    engines: { $ref: '#/definitions/engines' },
    main: { type: 'string', pattern: patterns.bundlePath },
    browser: { type: 'string', pattern: patterns.bundlePath },
    activationEvents: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, uniqueItems: true },
    permissions: { $ref: '#/definitions/permissions' },
    contributes: { $ref: '#/definitions/contributes' },
  },
  definitions: {
    engines: {
      type: 'object',
      additionalProperties: true,
      required: ['penny'],
      properties: { penny: { type: 'string', minLength: 1, maxLength: 128 } },
    },
    permissions: {
      type: 'object',
      additionalProperties: false,
      required: [],
      properties: {
        network: stringList(patterns.hostPattern),
        secrets: stringList(patterns.secretName),
        datasources: stringList(patterns.datasourceName),
      },
    },
    contributes: {
      type: 'object',
      additionalProperties: false,
      required: [],
      properties: {
        tools: { type: 'array', items: { $ref: '#/definitions/tool' } },
        modelProviders: { type: 'array', items: { $ref: '#/definitions/modelProvider' } },
        artifactRenderers: { type: 'array', items: { $ref: '#/definitions/artifactRenderer' } },
        widgets: { type: 'array', items: { $ref: '#/definitions/widget' } },
        dashboards: { type: 'array', items: { $ref: '#/definitions/dashboard' } },
        commands: { type: 'array', items: { $ref: '#/definitions/command' } },
        configuration: { type: 'object' },
        themes: { type: 'array', items: { $ref: '#/definitions/theme' } },
        sidecars: { type: 'array', items: { $ref: '#/definitions/sidecar' } },
      },
    },
    tool: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'description', 'parameters'],
      properties: {
        name: { type: 'string', pattern: patterns.toolName },
        description: { type: 'string', minLength: 1, maxLength: 4096 },
        parameters: {
          type: 'object',
          required: ['type'],
          properties: { type: { const: 'object' } },
        },
        timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000 },
        confirm: { type: 'boolean' },
        maxResultBytes: { type: 'integer', minimum: 1, maximum: 16_777_216 },
      },
    },
    modelProvider: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'displayName', 'models'],
      properties: {
        id: { type: 'string', pattern: patterns.contributionId },
        displayName: nonEmpty,
        models: { type: 'array', minItems: 1, items: { $ref: '#/definitions/model' } },
        local: { type: 'boolean' },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'displayName', 'contextWindow'],
      properties: {
        id: { type: 'string', pattern: patterns.modelId },
        displayName: nonEmpty,
        contextWindow: { type: 'integer', minimum: 1 },
        capabilities: { $ref: '#/definitions/modelCapabilities' },
      },
    },
    modelCapabilities: {
      type: 'object',
      additionalProperties: false,
      required: [],
      properties: {
        tools: { type: 'boolean' },
        streaming: { type: 'boolean' },
        embeddings: { type: 'boolean' },
        vision: { type: 'boolean' },
      },
    },
    artifactRenderer: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'displayName', 'mimeTypes'],
      properties: {
        id: { type: 'string', pattern: patterns.contributionId },
        displayName: nonEmpty,
        mimeTypes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: patterns.mimeType } },
      },
    },
    widget: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'title'],
      properties: {
        id: { type: 'string', pattern: patterns.contributionId },
        title: nonEmpty,
        artifactMime: { type: 'string', pattern: patterns.mimeType },
        renderer: { type: 'string', pattern: patterns.contributionRef },
      },
    },
    dashboard: {
      type: 'object',
      additionalProperties: false,
      required: ['slug', 'title', 'widgets'],
      properties: {
        slug: { type: 'string', pattern: patterns.contributionId },
        title: nonEmpty,
        widgets: { type: 'array', items: { $ref: '#/definitions/dashboardWidget' } },
      },
    },
    dashboardWidget: {
      type: 'object',
      additionalProperties: false,
      required: ['widget', 'x', 'y', 'w', 'h'],
      properties: {
        widget: { type: 'string', pattern: patterns.contributionRef },
        x: { type: 'integer', minimum: 0, maximum: 11 },
        y: { type: 'integer', minimum: 0 },
        w: { type: 'integer', minimum: 1, maximum: 12 },
        h: { type: 'integer', minimum: 1 },
      },
    },
    command: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'title'],
      properties: {
        id: { type: 'string', pattern: patterns.commandId },
        title: nonEmpty,
        category: { type: 'string', maxLength: 128 },
      },
    },
    theme: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'label', 'kind', 'tokens'],
      properties: {
        id: { type: 'string', pattern: patterns.contributionId },
        label: nonEmpty,
        kind: { enum: ['light', 'dark', 'high-contrast'] },
        tokens: {
          type: 'object',
          propertyNames: { pattern: patterns.tokenName },
          additionalProperties: { type: 'string', maxLength: 256 },
        },
      },
    },
    sidecar: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'command', 'port'],
      properties: {
        id: { type: 'string', pattern: patterns.contributionId },
        command: { type: 'string', pattern: patterns.bundlePath },
        args: { type: 'array', items: { type: 'string', maxLength: 4096 } },
        env: stringList(patterns.secretName),
        memoryMb: { type: 'integer', minimum: 16, maximum: 65_536 },
        port: { $ref: '#/definitions/sidecarPort' },
      },
    },
    sidecarPort: {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: { kind: { const: 'loopback' } },
    },
  },
} as const;

export type ManifestSchema = typeof manifestSchema;
