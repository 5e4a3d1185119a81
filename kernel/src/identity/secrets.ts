// Random bearer secrets (session cookies, sign-in tokens, access tokens, invitation tokens).
// Only their sha256 is stored, so a database leak does not hand out working credentials.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../core/canonical-json.ts';

export const PAT_PREFIX = 'penny_pat_';
export const BEARER_PREFIX = 'penny_bt_';
export const SESSION_PREFIX = 'penny_s_';
export const INVITATION_PREFIX = 'penny_inv_';

export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}
