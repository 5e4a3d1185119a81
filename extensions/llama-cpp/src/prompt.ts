// A conversation as plain text for a model without a chat template: the system text first, then
// one labelled paragraph per turn, ending with "Assistant:" for the model to continue. The labels
// double as stop sequences, so the model does not write the user's next turn itself.
import type { ChatMessage } from '@penny/manifests';
import { textOf } from '../../shared/src/provider-kit.ts';

const LABELS: Record<Exclude<ChatMessage['role'], 'system'>, string> = { user: 'User', assistant: 'Assistant', tool: 'Tool result' };

/** Where the model must stop: the start of a turn that is not its own. */
export const TURN_STOPS = ['\nUser:', '\nTool result:'];

export function toPrompt(messages: ChatMessage[]): string {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => textOf(m.content).trim())
    .filter(Boolean)
    .join('\n\n');
  const turns = messages
    .filter((m) => m.role !== 'system')
    .map((m) => {
      const text = textOf(m.content).trim();
      // Earlier tool calls (from another provider in the same conversation) are shown as text.
      const calls = (m.toolCalls ?? []).map((call) => `[called ${call.name} with ${call.arguments || '{}'}]`).join('\n');
      return `${LABELS[m.role as keyof typeof LABELS]}: ${[text, calls].filter(Boolean).join('\n')}`;
    });
  return [...(system ? [system] : []), ...turns, 'Assistant:'].join('\n\n');
}
