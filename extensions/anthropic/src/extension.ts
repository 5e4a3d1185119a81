// The `anthropic` model provider: Claude through the official SDK and the Messages API, streamed as
// Penny chunks. Requests leave through `penny.fetch`, so egress policy applies and the host adds the
// API key; the isolate only ever holds the secret's handle. Anthropic has no embeddings API.
import { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { BaseAnthropic } from '@anthropic-ai/sdk/client';
import { Messages, type RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { ChatRequest, ChatResult, ChatSink, FinishReason, PennyAbortSignal, PennyApi, Usage } from '@penny/manifests';
import { numberSetting, providerFailure, stringSetting, type Classified } from '../../shared/src/provider-kit.ts';
import { toParams } from './request.ts';

const PROVIDER_ID = 'anthropic';
const PUBLIC_API = 'https://api.anthropic.com';
const SERVICE = 'Anthropic';

const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'toolCalls',
  refusal: 'contentFilter',
};

// An error event inside a stream that already answered 200 carries no status; its type tells.
const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

function classify(error: unknown): Classified {
  if (error instanceof APIConnectionError) return 'connection';
  if (!(error instanceof APIError)) return undefined;
  const body = error.error as { error?: { type?: unknown; message?: unknown } } | undefined;
  const type = typeof body?.error?.type === 'string' ? body.error.type : undefined;
  const status = typeof error.status === 'number' ? error.status : type ? STATUS_BY_TYPE[type] : undefined;
  if (status === undefined) return undefined;
  const message = typeof body?.error?.message === 'string' ? body.error.message : error.message;
  return { status, detail: type ? `${type}: ${message}` : message };
}

/** The SDK's client with the Messages API only: the full `Anthropic` class pulls in every other API
 * too and makes the bundle, which each isolate compiles, nearly four times larger. */
class MessagesClient extends BaseAnthropic {
  messages = new Messages(this);
}

/** Turns the event stream into Penny chunks; tool calls are numbered in order of appearance. */
class TurnReader {
  finishReason: FinishReason | undefined;
  private inputTokens = 0;
  private outputTokens = 0;
  private sawUsage = false;
  private readonly toolByBlock = new Map<number, { index: number; sentArguments: boolean }>();

  constructor(private readonly sink: ChatSink) {}

  get usage(): Usage | undefined {
    return this.sawUsage ? { inputTokens: this.inputTokens, outputTokens: this.outputTokens } : undefined;
  }

  read(event: RawMessageStreamEvent): void {
    switch (event.type) {
      case 'message_start': {
        const usage = event.message.usage;
        // Cached prompt tokens are input too, only billed differently.
        this.inputTokens = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
        this.outputTokens = usage.output_tokens ?? 0;
        this.sawUsage = true;
        break;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'tool_use') {
          const index = this.toolByBlock.size;
          this.toolByBlock.set(event.index, { index, sentArguments: false });
          this.sink.toolCall({ index, id: block.id, name: block.name });
        } else if (block.type === 'text' && block.text) {
          this.sink.text(block.text);
        }
        break;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta.type === 'text_delta') this.sink.text(delta.text);
        else if (delta.type === 'input_json_delta' && delta.partial_json) {
          const tool = this.toolByBlock.get(event.index);
          if (!tool) break;
          tool.sentArguments = true;
          this.sink.toolCall({ index: tool.index, argumentsDelta: delta.partial_json });
        }
        break;
      }
      case 'content_block_stop': {
        // A tool without parameters streams no JSON at all; the kernel parses what it gets.
        const tool = this.toolByBlock.get(event.index);
        if (tool && !tool.sentArguments) this.sink.toolCall({ index: tool.index, argumentsDelta: '{}' });
        break;
      }
      case 'message_delta': {
        if (event.delta.stop_reason) this.finishReason = FINISH[event.delta.stop_reason] ?? 'stop';
        const usage = event.usage;
        if (usage) {
          this.outputTokens = usage.output_tokens ?? this.outputTokens;
          if (typeof usage.input_tokens === 'number') {
            this.inputTokens = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
          }
          this.sawUsage = true;
        }
        break;
      }
      default:
        break;
    }
  }
}

export function activate(penny: PennyApi): void {
  const baseURL = stringSetting(penny, 'baseUrl', PUBLIC_API).replace(/\/+$/, '');
  const defaultMaxTokens = numberSetting(penny, 'maxTokens', 4096);

  async function chat(request: ChatRequest, sink: ChatSink, signal: PennyAbortSignal): Promise<ChatResult> {
    const reader = new TurnReader(sink);
    try {
      const apiKey = await penny.secrets.get('ANTHROPIC_API_KEY');
      // Retries and fallbacks belong to the kernel's orchestrator, which sees every provider.
      const client = new MessagesClient({ apiKey, baseURL, fetch: penny.fetch as unknown as typeof fetch, maxRetries: 0 });
      const stream = await client.messages.create(toParams(request, defaultMaxTokens), { signal: signal as AbortSignal });
      for await (const event of stream) reader.read(event);
    } catch (error) {
      throw providerFailure(error, signal, SERVICE, baseURL, classify);
    }
    // Some SDKs end a stream quietly when it is aborted; the turn was cut short all the same.
    if (signal.aborted) return { finishReason: 'cancelled' };
    const usage = reader.usage;
    if (usage) sink.usage(usage);
    return { finishReason: reader.finishReason ?? 'stop', ...(usage ? { usage } : {}) };
  }

  penny.models.registerProvider(PROVIDER_ID, { chat });
}
