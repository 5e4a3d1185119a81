// Refusals particular to the marketplace, as typed errors the HTTP layer turns into problem details.
// Each carries what a client needs to act on it: the verification code, or the permissions to accept.
import type { PermissionSet, VerifyFailure } from '@penny/marketplace';
import type { AuditLog } from '../audit/audit.service.ts';
import { KernelError } from '../core/errors.ts';
import type { Actor } from './marketplace.types.ts';

/** Container problems that are about size, answered 413 like any other oversized body. */
const SIZE_CODES = new Set(['too_large', 'too_many_files']);

export class BundleRejectedError extends KernelError {
  readonly status: number;
  readonly code = 'bundle_rejected';
  readonly title = 'Extension bundle refused';
  readonly errors: { path: string; message: string }[];

  /** `reason` is the verification code (`bad_signature`, `file_modified`, ...) or a marketplace one. */
  constructor(
    readonly reason: string,
    detail: string,
    extra: { path?: string; keyId?: string; errors?: { path: string; message: string }[] } = {},
  ) {
    super(detail);
    this.status = SIZE_CODES.has(reason) ? 413 : 422;
    this.errors = extra.errors ?? [];
    this.extensions.reason = reason;
    if (extra.path) this.extensions.path = extra.path;
    if (extra.keyId) this.extensions.keyId = extra.keyId;
  }

  static fromVerification(failure: VerifyFailure, subject: string): BundleRejectedError {
    return new BundleRejectedError(failure.code, `${subject} was refused: ${failure.message}.`, failure);
  }
}

export class PermissionsNotAcceptedError extends KernelError {
  readonly status = 409;
  readonly code = 'permissions_not_accepted';
  readonly title = 'Permissions must be accepted';

  constructor(detail: string, review: { extensionId: string; version: string; required: PermissionSet; accepted: PermissionSet; added: PermissionSet }) {
    super(detail);
    Object.assign(this.extensions, review);
  }
}

/**
 * Runs `work`; a refusal it throws (a 4xx KernelError) is recorded as a `denied` audit event in a
 * transaction of its own, since the work's transaction rolled back, then rethrown.
 */
export async function auditRefusals<T>(
  audit: AuditLog,
  context: { tenantId: string | null; actor: Actor; action: string; target: string; payload?: Record<string, unknown> },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof KernelError && error.status < 500) {
      const { tenantId, actor, action, target } = context;
      const payload = { ...context.payload, code: error.code, reason: error.extensions.reason ?? null, detail: error.message };
      await audit.record({ tenantId, actorId: actor.id, actor: actor.label, action, target, outcome: 'denied', payload, ip: actor.ip ?? null });
    }
    throw error;
  }
}

export class BundleMediaTypeError extends KernelError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
  readonly title = 'Unsupported media type';
}
