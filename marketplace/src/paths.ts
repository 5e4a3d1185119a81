// Entry names are checked as plain strings before anything is written or trusted, so a bundle can be
// extracted on any OS without escaping its directory or colliding on a case-insensitive filesystem.

import { BundleError } from './errors.ts';

// Names that Windows refuses or maps to devices, whatever the extension.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Throws `unsafe_path` unless `name` is a relative, forward-slash, traversal-free path. */
export function assertSafePath(name: string, maxPathBytes: number): void {
  const refuse = (why: string): never => {
    throw new BundleError('unsafe_path', `entry ${JSON.stringify(name)} ${why}; rebuild the bundle with penny-ext pack`, name);
  };
  if (name.length === 0) refuse('has an empty name');
  if (Buffer.byteLength(name, 'utf8') > maxPathBytes) refuse(`is longer than ${maxPathBytes} bytes`);
  if (name.includes('\\')) refuse('contains a backslash');
  if (/^[A-Za-z]:/.test(name)) refuse('starts with a drive letter');
  if (name.startsWith('/')) refuse('is an absolute path');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) refuse('contains a control character');
  if (name.includes(':')) refuse('contains a colon');
  if (/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) refuse('is not valid Unicode');
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  for (const segment of segments) {
    if (segment === '..') refuse('escapes the bundle with ".."');
    if (segment === '.' || segment === '') refuse('has an empty or "." path segment');
    if (segment.endsWith('.') || segment.endsWith(' ')) refuse('has a segment ending in a dot or space');
    if (WINDOWS_DEVICE.test(segment)) refuse('uses a reserved device name');
  }
}

/**
 * The key under which two names collide when extracted on a case-insensitive or
 * normalizing filesystem (macOS, Windows).
 */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
