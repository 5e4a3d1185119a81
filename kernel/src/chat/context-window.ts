// What the model sees: a system prompt (the tenant's template, or the default in the tenant's
// language), then as much of the active path as fits the model's context window. The policy:
// estimate four characters per token; keep the system prompt and the newest message always; drop
// the oldest messages first, never leaving a tool result without the call that asked for it; keep a
// quarter of the window free for the answer.
import type { ChatMessage } from '@penny/manifests';
import type { TenantContext } from '../http/access.ts';

export const DEFAULT_SYSTEM_PROMPTS: Record<'en' | 'es', string> = {
  en: 'You are Penny, an assistant inside a company workbench. Answer concisely. Use the tools you are given when they help; cite the numbers they return rather than guessing.',
  es: 'Eres Penny, un asistente dentro del espacio de trabajo de la empresa. Responde de forma concisa. Usa las herramientas disponibles cuando ayuden; cita las cifras que devuelven en lugar de suponer.',
};

export function estimateTokens(message: ChatMessage): number {
  const text = typeof message.content === 'string' ? message.content : message.content.map((p) => (p.type === 'text' ? p.text : '[image]')).join('');
  const calls = message.toolCalls?.reduce((n, c) => n + c.name.length + c.arguments.length, 0) ?? 0;
  return Math.ceil((text.length + calls) / 4) + 4;
}

export function trimToWindow(messages: ChatMessage[], contextWindow: number, systemTokens: number): ChatMessage[] {
  const budget = Math.floor(contextWindow * 0.75) - systemTokens;
  const kept: ChatMessage[] = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const cost = estimateTokens(messages[i]!);
    if (kept.length > 0 && used + cost > budget) break;
    kept.unshift(messages[i]!);
    used += cost;
  }
  // A tool result whose call was trimmed away would confuse every provider's API.
  while (kept[0]?.role === 'tool') kept.shift();
  return kept;
}

export function buildContext(transcript: ChatMessage[], contextWindow: number, tenant: Pick<TenantContext, 'name'> & { systemPrompt?: string; language?: 'en' | 'es' }): ChatMessage[] {
  const system: ChatMessage = { role: 'system', content: tenant.systemPrompt ?? DEFAULT_SYSTEM_PROMPTS[tenant.language ?? 'en'] };
  return [system, ...trimToWindow(transcript, contextWindow, estimateTokens(system))];
}
