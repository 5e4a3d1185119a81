// The `ollama` model provider: models served by Ollama, through the official SDK's browser build
// (`/api/chat` streamed as NDJSON, `/api/embed`). Requests leave through `penny.fetch`, so egress
// policy applies; for ollama.com the host adds the API key from its handle.
import { Ollama } from 'ollama/browser';
import type { ChatRequest, ChatResult, ChatSink, EmbedRequest, EmbedResult, FinishReason, PennyAbortSignal, PennyApi, Usage } from '@penny/manifests';
import { booleanSetting, providerFailure, stringSetting, type Classified } from '../../shared/src/provider-kit.ts';
import { toParams } from './request.ts';

const PROVIDER_ID = 'ollama';
const LOCAL_SERVER = 'http://127.0.0.1:11434';
const SERVICE = 'Ollama';

function classify(error: unknown): Classified {
  const failure = error as { name?: unknown; status_code?: unknown; error?: unknown; message?: unknown } | undefined;
  if (failure?.name === 'ResponseError' && typeof failure.status_code === 'number') {
    return { status: failure.status_code, detail: String(failure.error ?? failure.message ?? '') };
  }
  // The isolate's fetch fails to connect with a TypeError, as browsers do.
  if (failure?.name === 'TypeError') return 'connection';
  return undefined;
}

/** Ollama names no tool calls; the kernel needs ids to pair calls with results. */
function newCallId(): string {
  return `call_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

export function activate(penny: PennyApi): void {
  const host = stringSetting(penny, 'baseUrl', LOCAL_SERVER).replace(/\/+$/, '');
  const keepAliveSetting = penny.configuration.get('keepAlive');
  const keepAlive = typeof keepAliveSetting === 'string' || typeof keepAliveSetting === 'number' ? keepAliveSetting : undefined;

  async function client(signal: PennyAbortSignal): Promise<Ollama> {
    const headers = booleanSetting(penny, 'useApiKey', false) ? { Authorization: `Bearer ${await penny.secrets.get('OLLAMA_API_KEY')}` } : undefined;
    // The client takes no signal per request (only streams can be aborted, and only once they
    // started), so every request it makes carries this call's.
    const callSignal = signal as AbortSignal;
    const fetchForCall = (input: string | URL | Request, init?: RequestInit) =>
      penny.fetch(String(input), { ...init, signal: init?.signal ? AbortSignal.any([init.signal, callSignal]) : callSignal } as never) as unknown as Promise<Response>;
    return new Ollama({ host, fetch: fetchForCall, headers });
  }

  async function chat(request: ChatRequest, sink: ChatSink, signal: PennyAbortSignal): Promise<ChatResult> {
    let toolCalls = 0;
    let doneReason: string | undefined;
    let usage: Usage | undefined;
    try {
      const stream = await (await client(signal)).chat(toParams(request, keepAlive));
      for await (const part of stream) {
        const message = part.message;
        if (message?.content) sink.text(message.content);
        for (const call of message?.tool_calls ?? []) {
          // Ollama sends each call whole, arguments as an object: one delta per call.
          const id = (call as { id?: unknown }).id;
          sink.toolCall({
            index: toolCalls++,
            id: typeof id === 'string' && id ? id : newCallId(),
            name: call.function.name,
            argumentsDelta: JSON.stringify(call.function.arguments ?? {}),
          });
        }
        if (part.done) {
          doneReason = part.done_reason;
          usage = { inputTokens: part.prompt_eval_count ?? 0, outputTokens: part.eval_count ?? 0 };
        }
      }
    } catch (error) {
      throw providerFailure(error, signal, SERVICE, host, classify);
    }
    // Some SDKs end a stream quietly when it is aborted; the turn was cut short all the same.
    if (signal.aborted) return { finishReason: 'cancelled' };
    if (usage) sink.usage(usage);
    // Ollama says "stop" after tool calls too.
    const finishReason: FinishReason = toolCalls > 0 ? 'toolCalls' : doneReason === 'length' ? 'length' : 'stop';
    return { finishReason, ...(usage ? { usage } : {}) };
  }

  async function embed(request: EmbedRequest, signal: PennyAbortSignal): Promise<EmbedResult> {
    try {
      const response = await (await client(signal)).embed({ model: request.model, input: request.input, ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}) });
      return {
        embeddings: response.embeddings,
        ...(typeof response.prompt_eval_count === 'number' ? { usage: { inputTokens: response.prompt_eval_count } } : {}),
      };
    } catch (error) {
      throw providerFailure(error, signal, SERVICE, host, classify);
    }
  }

  penny.models.registerProvider(PROVIDER_ID, { chat, embed });
}
