// @penny/marketplace: the .pennyext bundle format, publisher keys, signing and verification, and
// the checks the kernel runs before installing or updating an extension.

export { pack, packFiles, unpack, sha256Hex, type BundleFile, type PackInput, type UnpackedBundle } from './bundle.ts';
export { canonicalBytes, canonicalJson, type JsonValue } from './canonical.ts';
export { BundleError, type BundleErrorCode, type VerifyFailureCode } from './errors.ts';
export {
  exportPublicKey,
  exportSecretKey,
  generateKeyPair,
  importPublicKey,
  importSecretKey,
  isKeyId,
  keyIdOf,
  keyPairFromSecret,
  publicKeyOf,
  KEY_ALGORITHM,
  type KeyPair,
  type PublicKey,
} from './keys.ts';
export { KeyStore, type StoredKey } from './keystore.ts';
export { DEFAULT_LIMITS, type BundleLimits } from './limits.ts';
export {
  MANIFEST_FILE_NAMES,
  type BundleManifest,
  type ManifestValidation,
  type ManifestValidationError,
  type ValidateManifest,
} from './manifest.ts';
export { comparePermissions, isDowngrade, permissionsOf, type PermissionChange, type PermissionSet } from './permissions.ts';
export { signBundle, type SignOptions } from './sign.ts';
export { SIGNATURE_FILE, SIGNATURE_PURPOSE, signingPayload, type SignatureDocument, type SignedFile } from './signature.ts';
export {
  verifyBundle,
  verifyExtensionBundle,
  type VerifiedBundle,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
} from './verify.ts';
