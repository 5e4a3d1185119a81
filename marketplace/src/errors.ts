// Failure codes shared by unpacking, signing and verification, so the kernel can audit and
// map them without parsing messages.

/** Problems found in the bundle's container before any signature is considered. */
export type BundleErrorCode =
  | 'corrupt_bundle'
  | 'unsupported_bundle'
  | 'unsafe_path'
  | 'unsafe_entry'
  | 'duplicate_entry'
  | 'too_large'
  | 'too_many_files'
  | 'compression_bomb'
  | 'missing_manifest'
  | 'ambiguous_manifest'
  | 'manifest_invalid'
  | 'missing_signature'
  | 'malformed_signature'
  | 'unsupported_algorithm';

/** Everything `verifyBundle` can refuse with. */
export type VerifyFailureCode =
  BundleErrorCode | 'untrusted_key' | 'bad_signature' | 'file_modified' | 'file_added' | 'file_removed' | 'engine_mismatch';

export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    readonly code: BundleErrorCode,
    message: string,
    /** The bundle entry the problem is about, when there is one. */
    readonly path?: string,
  ) {
    super(message);
  }
}
