// Running the built-in model providers for real in tests: their bundles built from `extensions/<name>/`
// with the same esbuild settings as fixtures, activated in a forked extension host, streams read back.
import { fileURLToPath } from 'node:url';
import { ModelChatRequest, ModelEmbedRequest, type ChatChunk, type ChatRequest, type ChatResult, type EmbedResult } from '@penny/manifests';
import { loadBundle, type Fixture, type TestKernel } from '../../extension-host/test/harness.ts';

const EXTENSIONS_DIR = fileURLToPath(new URL('../', import.meta.url));
export const context = { userId: 'user-1', conversationId: 'conv-1' };

/**
 * The provider's bundle and manifest. `extraNetwork` adds hosts to `permissions.network`, as a
 * tenant's own build would for a loopback stand-in of a SaaS whose real host the manifest names.
 */
export async function loadProvider(name: string, extraNetwork: string[] = []): Promise<Fixture> {
  const fixture = await loadBundle(`${EXTENSIONS_DIR}${name}`, 'src/extension.ts');
  if (extraNetwork.length === 0) return fixture;
  const permissions = fixture.manifest.permissions ?? {};
  return { ...fixture, manifest: { ...fixture.manifest, permissions: { ...permissions, network: [...(permissions.network ?? []), ...extraNetwork] } } };
}

let nextRequest = 1;

export interface ChatRun {
  requestId: string;
  result: Promise<ChatResult>;
  /** Chunks received so far, in order. */
  chunks(): ChatChunk[];
}

export function startChat(kernel: TestKernel, extensionId: string, providerId: string, request: ChatRequest): ChatRun {
  const requestId = `chat-${nextRequest++}`;
  const result = kernel.connection.sendRequest(ModelChatRequest, { requestId, extensionId, providerId, request, context });
  // Assertions decide what a rejection means; an unobserved one must not fail the file.
  result.catch(() => undefined);
  return { requestId, result, chunks: () => (kernel.chunks.get(requestId) ?? []).map((c) => c.chunk) };
}

export async function chat(kernel: TestKernel, extensionId: string, providerId: string, request: ChatRequest): Promise<{ result: ChatResult; chunks: ChatChunk[] }> {
  const run = startChat(kernel, extensionId, providerId, request);
  const result = await run.result;
  return { result, chunks: run.chunks() };
}

export function embed(kernel: TestKernel, extensionId: string, providerId: string, model: string, input: string[]): Promise<EmbedResult> {
  return kernel.connection.sendRequest(ModelEmbedRequest, { extensionId, providerId, model, input, context });
}

export function textOf(chunks: ChatChunk[]): string {
  return chunks.map((c) => (c.type === 'text' ? c.delta : '')).join('');
}

/** Tool calls put together from their deltas, the way the kernel will. */
export function toolCallsOf(chunks: ChatChunk[]): Array<{ index: number; id?: string; name?: string; arguments: string }> {
  const calls = new Map<number, { index: number; id?: string; name?: string; arguments: string }>();
  for (const chunk of chunks) {
    if (chunk.type !== 'toolCall') continue;
    const call = calls.get(chunk.index) ?? { index: chunk.index, arguments: '' };
    if (chunk.id) call.id = chunk.id;
    if (chunk.name) call.name = chunk.name;
    call.arguments += chunk.argumentsDelta ?? '';
    calls.set(chunk.index, call);
  }
  return [...calls.values()].sort((a, b) => a.index - b.index);
}

export const KPI_TOOL = {
  name: 'get_company_kpis',
  description: 'Company KPIs for a period and unit.',
  parameters: {
    type: 'object',
    properties: { period: { type: 'string', enum: ['MTD', 'QTD', 'YTD'] }, unit: { type: 'string' } },
    required: ['period'],
  },
};

export const KPI_ARGUMENTS = { period: 'QTD', unit: 'company' };
