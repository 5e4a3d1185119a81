// Penny's chat request in the shape of Anthropic's Messages API: system text apart, content blocks,
// tool calls as `tool_use` blocks with object input, tool results as `tool_result` blocks in a user
// turn, and consecutive turns of one role merged, since the API wants user and assistant to alternate.
import type {
  Base64ImageSource,
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  ToolChoice,
} from '@anthropic-ai/sdk/resources/messages';
import type { ChatMessage, ChatRequest } from '@penny/manifests';
import { argumentsObject, imagesOf, textOf } from '../../shared/src/provider-kit.ts';

type Turn = { role: 'user' | 'assistant'; content: ContentBlockParam[] };

function userBlocks(message: ChatMessage): ContentBlockParam[] {
  const text = textOf(message.content);
  return [
    ...imagesOf(message.content).map(
      (image): ContentBlockParam => ({
        type: 'image',
        source: { type: 'base64', media_type: image.mimeType as Base64ImageSource['media_type'], data: image.data },
      }),
    ),
    // The API refuses empty text blocks.
    ...(text ? [{ type: 'text' as const, text }] : []),
  ];
}

function assistantBlocks(message: ChatMessage): ContentBlockParam[] {
  const text = textOf(message.content);
  return [
    ...(text ? [{ type: 'text' as const, text }] : []),
    ...(message.toolCalls ?? []).map((call): ContentBlockParam => ({ type: 'tool_use', id: call.id, name: call.name, input: argumentsObject(call.arguments) })),
  ];
}

export function toMessages(messages: ChatMessage[]): { system: string | undefined; messages: MessageParam[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn['role'], blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(textOf(message.content));
        break;
      case 'user':
        push('user', userBlocks(message));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message));
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: message.toolCallId ?? '', content: textOf(message.content) }]);
        break;
    }
  }
  const text = system.filter(Boolean).join('\n\n');
  return { system: text || undefined, messages: turns };
}

function toToolChoice(choice: NonNullable<ChatRequest['toolChoice']>): ToolChoice {
  if (typeof choice === 'object') return { type: 'tool', name: choice.name };
  return { type: choice === 'required' ? 'any' : choice };
}

/** `defaultMaxTokens` fills in the limit the API requires when the request names none. */
export function toParams(request: ChatRequest, defaultMaxTokens: number): MessageCreateParamsStreaming {
  const { system, messages } = toMessages(request.messages);
  const params: MessageCreateParamsStreaming & { temperature?: number } = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages,
    stream: true,
  };
  if (system) params.system = system;
  if (request.tools?.length) {
    params.tools = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: { ...tool.parameters, type: 'object' },
    }));
    if (request.toolChoice !== undefined) params.tool_choice = toToolChoice(request.toolChoice);
  }
  // Sent as given: the API takes it, though this SDK's types no longer list it.
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.stop?.length) params.stop_sequences = request.stop;
  return params;
}
