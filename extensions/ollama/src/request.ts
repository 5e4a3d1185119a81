// Penny's chat request in the shape of Ollama's `/api/chat`: images as base64 beside the text, tool
// calls with object arguments, and tool results named by tool (Ollama has no call ids on the way in).
import type { ChatRequest as OllamaChatRequest, Message, Options, Tool } from 'ollama/browser';
import type { ChatMessage, ChatRequest } from '@penny/manifests';
import { argumentsObject, imagesOf, textOf } from '../../shared/src/provider-kit.ts';

export function toMessages(messages: ChatMessage[]): Message[] {
  const toolNames = new Map<string, string>();
  for (const message of messages) for (const call of message.toolCalls ?? []) toolNames.set(call.id, call.name);
  return messages.map((message): Message => {
    const images = imagesOf(message.content).map((image) => image.data);
    const base: Message = { role: message.role, content: textOf(message.content), ...(images.length ? { images } : {}) };
    if (message.role === 'assistant' && message.toolCalls?.length) {
      base.tool_calls = message.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsObject(call.arguments) } }));
    }
    if (message.role === 'tool') {
      const name = message.toolCallId ? toolNames.get(message.toolCallId) : undefined;
      if (name) base.tool_name = name;
    }
    return base;
  });
}

/**
 * Ollama has no tool choice: `none` leaves the tools out and a named tool is offered alone;
 * `required` cannot be enforced and is sent as `auto`.
 */
function offeredTools(request: ChatRequest): Tool[] | undefined {
  const choice = request.toolChoice;
  if (!request.tools?.length || choice === 'none') return undefined;
  const tools = typeof choice === 'object' ? request.tools.filter((tool) => tool.name === choice.name) : request.tools;
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters as NonNullable<Tool['function']['parameters']> },
  }));
}

export function toParams(request: ChatRequest, keepAlive: string | number | undefined): OllamaChatRequest & { stream: true } {
  const options: Partial<Options> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
  if (request.stop?.length) options.stop = request.stop;
  const tools = offeredTools(request);
  return {
    model: request.model,
    messages: toMessages(request.messages),
    stream: true,
    ...(tools?.length ? { tools } : {}),
    ...(Object.keys(options).length ? { options } : {}),
    ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}),
  };
}
