// Module resolution hook of sidecars (registered by sidecar-preload.mjs): a bare specifier that the
// bundle cannot resolve is looked up in the platform's node_modules directories.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let fallbacks = [];

export function initialize(data) {
  fallbacks = Array.isArray(data?.modules) ? data.modules : [];
}

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || /^(\.|\/|[a-z]+:)/i.test(specifier)) throw error;
    for (const dir of fallbacks) {
      try {
        // A parent module beside the directory makes Node search exactly that node_modules.
        return await next(specifier, { ...context, parentURL: pathToFileURL(path.join(path.dirname(dir), 'penny-sidecar.mjs')).href });
      } catch {
        // try the next directory
      }
    }
    throw error;
  }
}
