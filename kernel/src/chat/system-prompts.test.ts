import { describe, expect, it } from 'vitest';
import { DEFAULT_SYSTEM_PROMPTS } from './context-window.ts';
import { composeSystemPrompt, substitute, type PromptLayers } from './system-prompts.ts';

const now = new Date('2026-11-26T23:30:00Z');

function layers(overrides: { tenant?: PromptLayers['tenant']['systemPrompts']; workspace?: PromptLayers['workspace']['systemPrompts']; language?: 'en' | 'es' } = {}): PromptLayers {
  return {
    tenantName: 'Acme',
    workspaceName: 'Finance',
    tenant: { language: overrides.language ?? 'en', systemPrompts: overrides.tenant ?? {} },
    workspace: { systemPrompts: overrides.workspace ?? {} },
  };
}

describe('system prompt templates', () => {
  it("uses Penny's default in the tenant's language when nothing is set", () => {
    expect(composeSystemPrompt(layers(), { now })).toEqual({ language: 'en', text: DEFAULT_SYSTEM_PROMPTS.en });
    expect(composeSystemPrompt(layers({ language: 'es' }), { now })).toEqual({ language: 'es', text: DEFAULT_SYSTEM_PROMPTS.es });
  });

  it("prefers the user's language over the tenant's", () => {
    const l = layers({ language: 'en', tenant: { en: 'English', es: 'Español' } });
    expect(composeSystemPrompt(l, { language: 'es', now }).text).toBe('Español');
    expect(composeSystemPrompt(l, { language: null, now }).text).toBe('English');
  });

  it('falls back to the other language before the default', () => {
    expect(composeSystemPrompt(layers({ tenant: { es: 'Solo español' } }), { language: 'en', now }).text).toBe('Solo español');
    expect(composeSystemPrompt(layers({ tenant: { en: '   ' } }), { language: 'en', now }).text).toBe(DEFAULT_SYSTEM_PROMPTS.en);
  });

  it("adds the workspace's template after the tenant's (or after the default)", () => {
    expect(composeSystemPrompt(layers({ tenant: { en: 'Tenant rules.' }, workspace: { en: 'Workspace rules.' } }), { now }).text).toBe('Tenant rules.\n\nWorkspace rules.');
    expect(composeSystemPrompt(layers({ workspace: { es: 'Reglas.' } }), { language: 'en', now }).text).toBe(`${DEFAULT_SYSTEM_PROMPTS.en}\n\nReglas.`);
  });

  it('fills tenant, workspace, user and date, and leaves unknown variables as written', () => {
    const l = layers({ tenant: { en: '{{tenant}} / {{ workspace }} / {{user}} / {{date}} / {{secret}} / {tenant}' } });
    expect(composeSystemPrompt(l, { user: 'Ada', now }).text).toBe('Acme / Finance / Ada / 2026-11-26 / {{secret}} / {tenant}');
    expect(composeSystemPrompt({ ...l, workspaceName: null }, { now }).text).toBe('Acme /  /  / 2026-11-26 / {{secret}} / {tenant}');
  });

  it('does not treat values as templates or look up inherited names', () => {
    expect(substitute('{{user}}', { user: '{{tenant}}', tenant: 'Acme' })).toBe('{{tenant}}');
    expect(substitute('{{constructor}} {{toString}}', {})).toBe('{{constructor}} {{toString}}');
  });
});
