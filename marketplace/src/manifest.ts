// The part of an extension manifest this package reads. Validation belongs to @penny/manifests and
// is passed in (see verifyExtensionBundle for the wired-up form), so a bundle is judged by exactly
// the schema the kernel enforces. `ExtensionManifest` satisfies `BundleManifest`.

export interface ManifestValidationError {
  /** Dotted path of the field, e.g. `engines.penny`; `(manifest)` for the whole document. */
  path: string;
  /** `path: problem`, readable on its own. */
  message: string;
}

export type ManifestValidation<M> = { ok: true; manifest: M } | { ok: false; errors: ManifestValidationError[] };

export type ValidateManifest<M> = (input: unknown) => ManifestValidation<M>;

export interface BundleManifest {
  name: string;
  publisher: string;
  version: string;
  engines: { penny: string };
  main?: string;
  browser?: string;
  permissions?: {
    network?: readonly string[];
    secrets?: readonly string[];
    datasources?: readonly string[];
  };
  contributes?: {
    sidecars?: readonly unknown[];
  };
}

/** Names the manifest may have at the bundle root, in order of preference. */
export const MANIFEST_FILE_NAMES = ['manifest.json', 'package.json'] as const;

/** `./dist/x.js` and `dist/x.js` name the same bundle entry. */
export function entryPathOf(manifestPath: string): string {
  return manifestPath.replace(/^(\.\/)+/, '');
}
