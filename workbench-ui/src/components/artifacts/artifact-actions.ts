// Copy and download for any artifact: the data as the extension returned it.
import type { ArtifactEntry } from '../../stores/artifacts.ts';
import { textOf } from '../../renderers/artifact-data.ts';

const EXTENSIONS: Record<string, string> = {
  'application/vnd.penny.table+json': 'json',
  'application/json': 'json',
  'text/markdown': 'md',
  'text/plain': 'txt',
  'text/csv': 'csv',
};

export function artifactFileName(artifact: ArtifactEntry): string {
  const mime = artifact.mimeType.split(';')[0]!.trim().toLowerCase();
  const extension = EXTENSIONS[mime] ?? (mime.startsWith('image/') ? mime.slice(6).replace('svg+xml', 'svg') : 'dat');
  const base = artifact.title.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'artifact';
  return `${base}.${extension}`;
}

export function downloadArtifact(artifact: ArtifactEntry): void {
  const isBinary = artifact.encoding === 'base64' || artifact.mimeType.startsWith('image/');
  const blob = isBinary && typeof artifact.data === 'string'
    ? new Blob([Uint8Array.from(atob(artifact.data), (c) => c.charCodeAt(0))], { type: artifact.mimeType })
    : new Blob([textOf(artifact)], { type: `${artifact.mimeType.split(';')[0]}; charset=utf-8` });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = artifactFileName(artifact);
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function copyArtifact(artifact: ArtifactEntry): Promise<void> {
  await navigator.clipboard.writeText(textOf(artifact));
}
