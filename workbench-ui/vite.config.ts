// Builds the workbench into dist/ (served by the kernel at /) and, in development, proxies the API
// to a running kernel so the session cookie stays first-party.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';

const kernel = process.env.PENNY_KERNEL_URL ?? 'http://127.0.0.1:3000';
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * Writes .br and .gz beside each text asset once the bundle is on disk (after every other plugin has
 * finished rewriting chunks); the kernel serves them to clients that accept them.
 */
function precompress(): Plugin {
  return {
    name: 'penny-precompress',
    apply: 'build',
    enforce: 'post',
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? 'dist';
      await Promise.all(
        Object.keys(bundle)
          .filter((fileName) => /\.(js|css|html|svg|json)$/.test(fileName))
          .map(async (fileName) => {
            const file = path.join(outDir, fileName);
            const bytes = await readFile(file);
            if (bytes.length < 1024) return;
            await writeFile(`${file}.br`, await brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
            await writeFile(`${file}.gz`, await gz(bytes, { level: 9 }));
          }),
      );
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [vue(), precompress()],
  define: {
    // Composition API only, no devtools hooks in production: smaller and CSP-friendly bundles.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  // Monaco's editor worker is an ES module with imports of its own; it is emitted as a file of our
  // own origin (the CSP's script-src 'self' covers it, no blob: or CDN needed).
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // Vue, Pinia and vue-i18n change less often than the app: their own chunk stays cached
        // across releases.
        codeSplitting: { groups: [{ name: 'vendor', test: /node_modules[\\/](@vue|vue|pinia|vue-i18n|@intlify)[\\/]/ }] },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/v1': { target: kernel, changeOrigin: false },
      '/socket.io': { target: kernel, ws: true },
      '/docs': { target: kernel },
      '/healthz': { target: kernel },
    },
  },
});
