// Penny's chat request in the shape of OpenAI's chat completions API, which vLLM, TGI and LM Studio
// speak as well.
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ChatRequest } from '@penny/manifests';
import { imagesOf, textOf } from '../../shared/src/provider-kit.ts';

function userContent(message: ChatMessage): string | ChatCompletionContentPart[] {
  const images = imagesOf(message.content);
  if (images.length === 0) return textOf(message.content);
  const text = textOf(message.content);
  return [
    ...(text ? [{ type: 'text' as const, text }] : []),
    ...images.map((image) => ({ type: 'image_url' as const, image_url: { url: `data:${image.mimeType};base64,${image.data}` } })),
  ];
}

export function toMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: textOf(message.content) };
      case 'user':
        return { role: 'user', content: userContent(message) };
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: textOf(message.content) };
      case 'assistant': {
        const text = textOf(message.content);
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: text };
        return {
          role: 'assistant',
          // The API wants null rather than "" beside tool calls; some compatible servers insist.
          content: text || null,
          tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments || '{}' } })),
        };
      }
    }
  });
}

function toToolChoice(choice: NonNullable<ChatRequest['toolChoice']>): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/**
 * `officialApi` picks the token limit's name: OpenAI's newer models refuse `max_tokens` and want
 * `max_completion_tokens`, which several compatible servers do not know yet.
 */
export function toParams(request: ChatRequest, officialApi: boolean): ChatCompletionCreateParamsStreaming {
  const params: ChatCompletionCreateParamsStreaming = {
    model: request.model,
    messages: toMessages(request.messages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools?.length) {
    params.tools = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
    if (request.toolChoice !== undefined) params.tool_choice = toToolChoice(request.toolChoice);
  }
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.maxTokens !== undefined) {
    if (officialApi) params.max_completion_tokens = request.maxTokens;
    else params.max_tokens = request.maxTokens;
  }
  if (request.stop?.length) params.stop = request.stop;
  return params;
}
