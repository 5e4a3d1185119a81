// Reading artifact payloads safely: renderers get data from extensions and must not trust its shape.
import type { JsonValue } from '../api/types.ts';
import type { RenderableArtifact } from './registry.ts';

export const TABLE_MIME = 'application/vnd.penny.table+json';

export interface TableColumn {
  name: string;
  type?: string;
}

export interface TableModel {
  columns: TableColumn[];
  rows: JsonValue[][];
}

function decodeBase64(text: string): string {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The artifact as text: strings as they are (base64 decoded), anything else as indented JSON. */
export function textOf(artifact: RenderableArtifact): string {
  const { data, encoding } = artifact;
  if (typeof data === 'string') return encoding === 'base64' ? decodeBase64(data) : data;
  return JSON.stringify(data, null, 2);
}

/** `{ columns: [{ name }], rows: [[…]] }`, or null when the payload is not shaped like that. */
export function tableOf(data: JsonValue): TableModel | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const { columns, rows } = data as { columns?: unknown; rows?: unknown };
  if (!Array.isArray(columns) || !Array.isArray(rows)) return null;
  const cols: TableColumn[] = columns.map((c, i) =>
    c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string' ? (c as TableColumn) : { name: typeof c === 'string' ? c : `#${i + 1}` },
  );
  return { columns: cols, rows: rows.map((r) => (Array.isArray(r) ? (r as JsonValue[]) : [r as JsonValue])) };
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareCells(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const aEmpty = a === null || a === undefined || a === '';
  const bEmpty = b === null || b === undefined || b === '';
  if (aEmpty || bEmpty) return aEmpty === bEmpty ? 0 : aEmpty ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return collator.compare(cellText(a), cellText(b));
}

/** Row indexes in display order; empty cells always last, ties keep their original order. */
export function sortedRowOrder(rows: JsonValue[][], column: number | null, direction: 'ascending' | 'descending'): number[] {
  const order = rows.map((_, i) => i);
  if (column === null) return order;
  const sign = direction === 'ascending' ? 1 : -1;
  return order.sort((x, y) => {
    const a = rows[x]![column];
    const b = rows[y]![column];
    const aEmpty = a === null || a === undefined || a === '';
    const bEmpty = b === null || b === undefined || b === '';
    if (aEmpty !== bEmpty) return aEmpty ? 1 : -1;
    return sign * compareCells(a, b) || x - y;
  });
}

export function cellText(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A data: URL for an image artifact, or null when the payload is not base64. */
export function imageSource(artifact: RenderableArtifact): string | null {
  if (typeof artifact.data !== 'string') return null;
  const text = artifact.data.replace(/\s+/g, '');
  if (!BASE64.test(text)) return null;
  const mime = artifact.mimeType.split(';')[0]!.trim().toLowerCase();
  if (!/^image\/[a-z0-9.+-]+$/.test(mime)) return null;
  return `data:${mime};base64,${text}`;
}
