// Artifacts made in a conversation are stored by the kernel; the chat reads each version's content
// once and hands it to the artifacts store, so the inline card, the panel and full screen share it.
import { api, ApiError } from '../../api/http.ts';
import type { JsonValue } from '../../api/types.ts';
import { useArtifactsStore, type ArtifactEntry } from '../../stores/artifacts.ts';
import type { ArtifactRef } from '../../stores/chat-turns.ts';
import { useSessionStore } from '../../stores/session.ts';

export interface ArtifactVersion {
  artifactId: string;
  version: number;
  title: string;
  mimeType: string;
  encoding: 'json' | 'text' | 'base64';
  size: number;
  lineage: { tool?: string; callId?: string; conversationId?: string; [key: string]: unknown };
  createdAt: string;
}

const loading = new Map<string, Promise<ArtifactEntry>>();

export const entryId = (ref: Pick<ArtifactRef, 'artifactId' | 'version'>) => `${ref.artifactId}@${ref.version}`;

function base64Of(bytes: ArrayBuffer): string {
  let binary = '';
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function fetchVersion(artifactId: string, version: number): Promise<{ meta: ArtifactVersion; data: JsonValue }> {
  const tenant = useSessionStore().currentTenant?.slug ?? '';
  const get = async (path: string) => {
    const response = await fetch(path, { credentials: 'same-origin', headers: { 'x-penny-tenant': tenant } });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ title: response.statusText, status: response.status, detail: '' }));
      throw new ApiError(problem);
    }
    return response;
  };
  const id = encodeURIComponent(artifactId);
  const versions = (await (await get(`/v1/artifacts/${id}/versions`)).json()) as ArtifactVersion[];
  const meta = versions.find((v) => v.version === version) ?? versions.at(-1)!;
  const content = await get(`/v1/artifacts/${id}/content?version=${meta.version}`);
  // The content comes in its native format; the renderers expect what the tool returned.
  const data: JsonValue =
    meta.encoding === 'base64'
      ? base64Of(await content.arrayBuffer())
      : meta.encoding === 'json'
        ? ((await content.json()) as JsonValue)
        : await content.text();
  return { meta, data };
}

/** The artifact version as an entry of the artifacts store, read from the kernel at most once. */
export function loadArtifact(ref: Pick<ArtifactRef, 'artifactId' | 'version'>, conversationId: string | null): Promise<ArtifactEntry> {
  const id = entryId(ref);
  let pending = loading.get(id);
  if (!pending) {
    pending = fetchVersion(ref.artifactId, ref.version).then(({ meta, data }) =>
      useArtifactsStore().put({
        id,
        artifactId: meta.artifactId,
        version: meta.version,
        conversationId: conversationId ?? meta.lineage.conversationId,
        mimeType: meta.mimeType,
        title: meta.title,
        encoding: meta.encoding,
        data,
        source: { tool: meta.lineage.tool ?? '', callId: meta.lineage.callId ?? '' },
        createdAt: Date.parse(meta.createdAt) || Date.now(),
      }),
    );
    pending.catch(() => loading.delete(id));
    loading.set(id, pending);
  }
  return pending;
}

export async function listVersions(artifactId: string): Promise<ArtifactVersion[]> {
  return api.get<ArtifactVersion[]>(`/v1/artifacts/${encodeURIComponent(artifactId)}/versions`);
}

/**
 * A link to share the artifact: a share made by the kernel when it offers them, else the
 * workbench address of the conversation with the artifact opened (for people of the same tenant).
 */
export async function shareLink(entry: ArtifactEntry): Promise<string> {
  if (entry.artifactId) {
    try {
      const share = await api.post<{ url: string }>(`/v1/artifacts/${encodeURIComponent(entry.artifactId)}/shares`, {
        scope: 'tenant',
        version: entry.version,
      });
      return new URL(share.url, window.location.origin).href;
    } catch (error) {
      if (!(error instanceof ApiError) || ![404, 405, 501].includes(error.status)) throw error;
    }
  }
  const url = new URL(entry.conversationId ? `/chat/${entry.conversationId}` : '/chat', window.location.origin);
  if (entry.artifactId) url.searchParams.set('artifact', entry.artifactId);
  return url.href;
}
