// The shape of tenant and workspace settings: types, JSON Schemas for the routes, and the checks a
// schema cannot express (logo images, font stacks).
import { KernelError, ValidationError } from '../core/errors.ts';
import { object, type JsonSchema } from '../http/schemas.ts';
import { ROLES, type Role } from '../rbac/permissions.ts';

const TOOL_NAME = '^[a-zA-Z][a-zA-Z0-9_-]{0,63}$';
const toolRolesSchema: JsonSchema = { type: 'object', propertyNames: { pattern: TOOL_NAME }, additionalProperties: { type: 'string', enum: ROLES }, maxProperties: 500 };
const toolRolesPatchSchema: JsonSchema = {
  anyOf: [{ type: 'object', propertyNames: { pattern: TOOL_NAME }, additionalProperties: { anyOf: [{ type: 'string', enum: ROLES }, { type: 'null' }] }, maxProperties: 500 }, { type: 'null' }],
};

export type Language = 'en' | 'es';
export const LANGUAGES: readonly Language[] = ['en', 'es'];

export interface ModelRef {
  provider: string;
  model: string;
}

export type PromptTemplates = Partial<Record<Language, string>>;

export const THEME_COLORS = ['primary', 'accent', 'background', 'surface', 'text'] as const;
export type ThemeColor = (typeof THEME_COLORS)[number];

export interface Theme {
  appName?: string;
  logoUrl?: string;
  colors?: Partial<Record<ThemeColor, string>>;
  fontStack?: string;
}

export interface TenantSettingsView {
  defaultModel: ModelRef | null;
  noExternalModels: boolean;
  language: Language;
  systemPrompts: PromptTemplates;
  theme: Theme;
  /** Whether members with artifacts.write may create public links (default true). */
  allowPublicShares: boolean;
  /** Tools only some members may call: the least role for each (tools.invoke is still needed). */
  toolRoles: Record<string, Role>;
}

/** A PATCH body: JSON merge patch semantics, `null` removes a member. */
export interface TenantSettingsPatch {
  defaultModel?: ModelRef | null;
  noExternalModels?: boolean;
  language?: Language;
  systemPrompts?: Partial<Record<Language, string | null>> | null;
  theme?: ThemePatch | null;
  allowPublicShares?: boolean;
  toolRoles?: Record<string, Role | null> | null;
}

export interface ThemePatch {
  appName?: string | null;
  logoUrl?: string | null;
  colors?: Partial<Record<ThemeColor, string | null>> | null;
  fontStack?: string | null;
}

export interface WorkspaceSettingsView {
  systemPrompts: PromptTemplates;
  defaultModel: ModelRef | null;
}

export interface WorkspacePatch {
  name?: string;
  description?: string;
  systemPrompts?: Partial<Record<Language, string | null>> | null;
  defaultModel?: ModelRef | null;
}

export const MAX_PROMPT_CHARS = 8000;
export const MAX_LOGO_BYTES = 100 * 1024;

/** A setting that is well-formed but cannot be applied (an unknown model, say). */
export class UnprocessableSettingError extends KernelError {
  readonly status = 422;
  readonly code = 'unprocessable_setting';
  readonly title = 'Setting refused';
  constructor(
    detail: string,
    readonly errors: { path: string; message: string }[],
  ) {
    super(detail);
  }
}

const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, type: [schema.type as string, 'null'] });
const color: JsonSchema = { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' };
const prompt: JsonSchema = { type: 'string', maxLength: MAX_PROMPT_CHARS };
const identifier: JsonSchema = { type: 'string', minLength: 1, maxLength: 200 };

export const modelRefSchema = object({ provider: identifier, model: identifier });
export const promptsSchema = object({ en: prompt, es: prompt }, []);
export const themeSchema = object(
  {
    appName: { type: 'string', minLength: 1, maxLength: 60 },
    // https URLs up to 2 kB, or a base64 data URL of at most 100 kB of image (checked in code).
    logoUrl: { type: 'string', minLength: 1, maxLength: 140_000 },
    colors: object(Object.fromEntries(THEME_COLORS.map((c) => [c, color])), []),
    fontStack: { type: 'string', minLength: 1, maxLength: 200, pattern: `^[A-Za-z0-9 ,'"_-]+$` },
  },
  [],
);

export const tenantSettingsSchema = object({
  defaultModel: { anyOf: [modelRefSchema, { type: 'null' }] },
  noExternalModels: { type: 'boolean' },
  language: { type: 'string', enum: LANGUAGES },
  systemPrompts: promptsSchema,
  theme: themeSchema,
  allowPublicShares: { type: 'boolean' },
  toolRoles: toolRolesSchema,
});

const promptsPatch = nullable(object({ en: nullable(prompt), es: nullable(prompt) }, []));

export const tenantSettingsPatchSchema: JsonSchema = {
  ...object(
    {
      defaultModel: { anyOf: [modelRefSchema, { type: 'null' }] },
      noExternalModels: { type: 'boolean' },
      language: { type: 'string', enum: LANGUAGES },
      systemPrompts: promptsPatch,
      theme: nullable(
        object(
          {
            appName: nullable((themeSchema.properties as Record<string, JsonSchema>).appName!),
            logoUrl: nullable((themeSchema.properties as Record<string, JsonSchema>).logoUrl!),
            colors: nullable(object(Object.fromEntries(THEME_COLORS.map((c) => [c, nullable(color)])), [])),
            fontStack: nullable((themeSchema.properties as Record<string, JsonSchema>).fontStack!),
          },
          [],
        ),
      ),
      allowPublicShares: { type: 'boolean' },
      toolRoles: toolRolesPatchSchema,
    },
    [],
  ),
  minProperties: 1,
};

export const workspaceSettingsSchema = object({ systemPrompts: promptsSchema, defaultModel: { anyOf: [modelRefSchema, { type: 'null' }] } });

export const workspacePatchSchema: JsonSchema = {
  ...object(
    {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string', maxLength: 2000 },
      systemPrompts: promptsPatch,
      defaultModel: { anyOf: [modelRefSchema, { type: 'null' }] },
    },
    [],
  ),
  minProperties: 1,
};

function invalid(path: string, message: string): never {
  throw new ValidationError(`${path} ${message}`, [{ path, message }]);
}

const DATA_LOGO = /^data:image\/(png|svg\+xml);base64,([A-Za-z0-9+/]+={0,2})$/;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// A logo is shown as an image, where SVG cannot run code; refusing active content anyway means a
// logo stays harmless even if some client ever inlines it.
const SVG_ACTIVE = /<script|<foreignobject|\son[a-z]+\s*=|javascript:|<iframe|<embed|<object/i;

/** A logo is an https URL or a small PNG/SVG data URL; anything else would be a way to inject. */
export function checkLogoUrl(value: string, path = 'body.theme.logoUrl'): void {
  if (value.startsWith('https:')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return invalid(path, 'is not a valid URL');
    }
    if (value.length > 2048) invalid(path, 'must be at most 2048 characters as a URL');
    if (url.username || url.password) invalid(path, 'must not carry credentials');
    return;
  }
  const data = DATA_LOGO.exec(value);
  if (!data) invalid(path, 'must be an https: URL or a data:image/png or data:image/svg+xml base64 URL');
  const bytes = Buffer.from(data[2]!, 'base64');
  if (bytes.length > MAX_LOGO_BYTES) invalid(path, `is ${bytes.length} bytes of image, over ${MAX_LOGO_BYTES}`);
  if (data[1] === 'png') {
    if (!bytes.subarray(0, 8).equals(PNG_MAGIC)) invalid(path, 'is not a PNG image');
    return;
  }
  const text = bytes.toString('utf8');
  if (!/<svg[\s>]/i.test(text)) invalid(path, 'is not an SVG image');
  if (SVG_ACTIVE.test(text)) invalid(path, 'must not contain scripts, event handlers or embedded documents');
}

/** Quotes in a font stack must pair up, so the value cannot end a CSS string early. */
export function checkFontStack(value: string, path = 'body.theme.fontStack'): void {
  for (const q of ["'", '"']) if ((value.split(q).length - 1) % 2 !== 0) invalid(path, `has an unpaired ${q}`);
}
