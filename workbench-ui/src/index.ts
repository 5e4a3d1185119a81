// What other packages may rely on: the artifact renderer contract, so extension renderers and tests
// can be written against the same types the workbench uses.
export type { ArtifactRenderer, RenderableArtifact, RendererProps, RenderMode } from './renderers/registry.ts';
export { RendererRegistry, matchScore } from './renderers/registry.ts';
