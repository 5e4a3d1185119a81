// @penny/manifests: what the kernel, the extension host and extensions agree on.
export * from './manifest.types.ts';
export { manifestSchema, patterns, type ManifestSchema } from './manifest.schema.ts';
export {
  validateManifest,
  formatManifestErrors,
  formatPath,
  activationEventsOf,
  parseActivationEvent,
  extensionId,
  engineSatisfies,
  type ManifestError,
  type ManifestValidation,
  type ActivationEvent,
  type ActivationEventKind,
} from './validate.ts';
export { hostOf, matchesHostPattern, matchesAnyHostPattern, type UrlTarget } from './hosts.ts';
export * from './api.ts';
export * from './protocol.ts';
