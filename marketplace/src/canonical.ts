// Canonical JSON for signing: the RFC 8785 (JCS) rules for the values a manifest can hold. Object
// keys sorted by UTF-16 code units, no whitespace, strings and numbers serialized as ECMAScript's
// JSON.stringify does. The same value always encodes to the same bytes, whatever the key order or
// formatting of the file it came from.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function encode(value: unknown, at: string): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value} (at ${at})`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) throw new TypeError(`canonical JSON cannot hold a lone surrogate (at ${at})`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, index) => encode(item, `${at}[${index}]`)).join(',')}]`;
  if (typeof value === 'object' && isPlainObject(value)) {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    // Default sort compares UTF-16 code units, which is what JCS prescribes.
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      if (hasLoneSurrogate(key)) throw new TypeError(`canonical JSON cannot hold a lone surrogate (at ${at})`);
      members.push(`${JSON.stringify(key)}:${encode(member, `${at}.${key}`)}`);
    }
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value} (at ${at})`);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udfff]/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}
