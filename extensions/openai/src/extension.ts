// The `openai` model provider: OpenAI, or any OpenAI-compatible server (vLLM, TGI, LM Studio), through
// the official SDK. Requests leave through `penny.fetch`, so egress policy applies and the host adds
// the API key; the isolate only ever holds the secret's handle.
import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { ChatRequest, ChatResult, ChatSink, EmbedRequest, EmbedResult, FinishReason, PennyAbortSignal, PennyApi, Usage } from '@penny/manifests';
import { booleanSetting, providerFailure, stringSetting, type Classified } from '../../shared/src/provider-kit.ts';
import { toParams } from './request.ts';

const PROVIDER_ID = 'openai';
const PUBLIC_API = 'https://api.openai.com/v1';
const SERVICE = 'OpenAI';
/** Sent instead of a key to compatible servers that want none (`useApiKey: false`); the SDK needs one. */
const NO_KEY = 'no-key';

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'toolCalls',
  function_call: 'toolCalls',
  content_filter: 'contentFilter',
};

function classify(error: unknown): Classified {
  if (error instanceof APIConnectionError) return 'connection';
  if (error instanceof APIError && typeof error.status === 'number') {
    const detail = (error.error as { message?: unknown } | undefined)?.message;
    return { status: error.status, detail: typeof detail === 'string' ? detail : error.message };
  }
  return undefined;
}

export function activate(penny: PennyApi): void {
  const baseURL = stringSetting(penny, 'baseUrl', PUBLIC_API).replace(/\/+$/, '');
  const officialApi = /^https:\/\/api\.openai\.com(\/|$)/.test(baseURL);

  async function client(): Promise<OpenAI> {
    const apiKey = booleanSetting(penny, 'useApiKey', true) ? await penny.secrets.get('OPENAI_API_KEY') : NO_KEY;
    // Retries and fallbacks belong to the kernel's orchestrator, which sees every provider.
    return new OpenAI({ apiKey, baseURL, fetch: penny.fetch as unknown as typeof fetch, maxRetries: 0 });
  }

  async function chat(request: ChatRequest, sink: ChatSink, signal: PennyAbortSignal): Promise<ChatResult> {
    let finishReason: FinishReason | undefined;
    let usage: Usage | undefined;
    try {
      const stream = await (await client()).chat.completions.create(toParams(request, officialApi), { signal: signal as AbortSignal });
      for await (const chunk of stream) {
        if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta ?? {};
        if (delta.content) sink.text(delta.content);
        if (delta.refusal) sink.text(delta.refusal);
        for (const call of delta.tool_calls ?? []) {
          const id = call.id || undefined;
          const name = call.function?.name || undefined;
          const argumentsDelta = call.function?.arguments || undefined;
          if (id || name || argumentsDelta) sink.toolCall({ index: call.index, id, name, argumentsDelta });
        }
        if (choice.finish_reason) finishReason = FINISH[choice.finish_reason] ?? 'stop';
      }
    } catch (error) {
      throw providerFailure(error, signal, SERVICE, baseURL, classify);
    }
    // Some SDKs end a stream quietly when it is aborted; the turn was cut short all the same.
    if (signal.aborted) return { finishReason: 'cancelled' };
    if (usage) sink.usage(usage);
    return { finishReason: finishReason ?? 'stop', ...(usage ? { usage } : {}) };
  }

  async function embed(request: EmbedRequest, signal: PennyAbortSignal): Promise<EmbedResult> {
    try {
      // Floats, not the SDK's default base64: compatible servers do not all encode.
      const response = await (await client()).embeddings.create(
        { model: request.model, input: request.input, encoding_format: 'float' },
        { signal: signal as AbortSignal },
      );
      const embeddings = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
      return { embeddings, ...(response.usage ? { usage: { inputTokens: response.usage.prompt_tokens } } : {}) };
    } catch (error) {
      throw providerFailure(error, signal, SERVICE, baseURL, classify);
    }
  }

  penny.models.registerProvider(PROVIDER_ID, { chat, embed });
}
