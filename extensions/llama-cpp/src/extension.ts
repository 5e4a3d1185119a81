// The `llama-cpp` model provider: a local GGUF model run by node-llama-cpp in this extension's
// sidecar (native code cannot run in the isolate). The isolate formats the conversation, posts it
// to the sidecar through `penny.fetch` and turns the NDJSON stream it answers into chunks; aborting
// the call closes the request, which stops the generation in the sidecar.
import type { ChatRequest, ChatResult, ChatSink, FinishReason, PennyAbortSignal, PennyApi, Usage } from '@penny/manifests';
import { booleanSetting, numberSetting, stringSetting } from '../../shared/src/provider-kit.ts';
import { toPrompt, TURN_STOPS } from './prompt.ts';

const PROVIDER_ID = 'llama-cpp';
const SIDECAR_ID = 'llama';

type SidecarEvent =
  { type: 'text'; delta: string } | { type: 'done'; finishReason: FinishReason; usage?: Usage } | { type: 'error'; message: string };

/** Reads NDJSON from a web ReadableStream, one parsed line at a time. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<SidecarEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, cut).trim();
        buffer = buffer.slice(cut + 1);
        if (line) yield JSON.parse(line) as SidecarEvent;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

export function activate(penny: PennyApi): void {
  const base = penny.sidecars.url(SIDECAR_ID);

  async function chat(request: ChatRequest, sink: ChatSink, signal: PennyAbortSignal): Promise<ChatResult> {
    const modelPath = stringSetting(penny, 'modelPath', '');
    if (!modelPath)
      throw new Error('llama-cpp has no model: start Penny with PENNY_LOCAL_MODEL=/path/model.gguf or set modelPath for this tenant');
    const body = {
      modelPath,
      prompt: toPrompt(request.messages),
      threads: numberSetting(penny, 'threads', 1),
      contextSize: numberSetting(penny, 'contextSize', 2048),
      temperature: request.temperature ?? numberSetting(penny, 'temperature', 0.8),
      maxTokens: request.maxTokens ?? numberSetting(penny, 'maxTokens', 512),
      stop: [...(request.stop ?? []), ...TURN_STOPS],
      ignoreEos: booleanSetting(penny, 'ignoreEos', false),
    };
    const response = await penny.fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) {
      const detail = await response.text().catch(() => '');
      const error = new Error(`the llama.cpp sidecar answered HTTP ${response.status}: ${detail.slice(0, 500)}`);
      error.name = response.status === 400 ? 'BadRequestError' : 'InternalServerError';
      throw error;
    }
    let finishReason: FinishReason = 'stop';
    let usage: Usage | undefined;
    for await (const event of lines(response.body as ReadableStream<Uint8Array>)) {
      if (event.type === 'text') sink.text(event.delta);
      else if (event.type === 'error') throw new Error(`llama.cpp failed: ${event.message}`);
      else if (event.type === 'done') {
        finishReason = event.finishReason;
        usage = event.usage;
      }
    }
    if (signal.aborted) return { finishReason: 'cancelled' };
    if (usage) sink.usage(usage);
    return { finishReason, ...(usage ? { usage } : {}) };
  }

  penny.models.registerProvider(PROVIDER_ID, { chat });
}
