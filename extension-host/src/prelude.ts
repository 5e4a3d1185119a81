// The code every isolate runs before the extension: `isolate/entry.ts` bundled once per process,
// with a V8 code cache shared by all isolates so that cold activation stays cheap.
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';
import ivm from 'isolated-vm';

const entry = fileURLToPath(new URL('./isolate/entry.ts', import.meta.url));
let source: Promise<string> | undefined;
let cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;

export function preludeSource(): Promise<string> {
  source ??= build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).then((result) => {
    // esbuild keeps a service process alive after a build; an idle host should not pay for it.
    void stop();
    return result.outputFiles[0]!.text;
  });
  return source;
}

export async function compilePrelude(isolate: ivm.Isolate): Promise<ivm.Script> {
  const code = await preludeSource();
  const script = await isolate.compileScript(code, cachedData ? { filename: 'penny:prelude', cachedData } : { filename: 'penny:prelude', produceCachedData: true });
  // isolated-vm sets `cachedData` on the script itself; its typings only describe it separately.
  cachedData ??= (script as ivm.Script & ivm.CachedDataResult).cachedData;
  return script;
}
