// Monaco is large: it loads on first use into its own chunks, never with the first page. Only the
// plain editor worker is wired (the languages we use are tokenised in the page; none needs a
// language-service worker), served from our own origin so the CSP needs no CDN.
import type * as MonacoApi from 'monaco-editor/editor/editor.api.js';

export type Monaco = typeof MonacoApi;

/** Languages the workbench highlights; each registers lazily inside Monaco as well. */
export type MonacoLanguage = 'markdown' | 'python' | 'json' | 'javascript' | 'typescript' | 'sql' | 'yaml' | 'shell' | 'html' | 'css';

let loading: Promise<Monaco> | undefined;

export function loadMonaco(): Promise<Monaco> {
  loading ??= (async () => {
    const [{ default: EditorWorker }, monaco] = await Promise.all([
      import('monaco-editor/editor/editor.worker.js?worker'),
      import('monaco-editor/editor/editor.api.js'),
      import('monaco-editor/languages/definitions/markdown/register.js'),
      import('monaco-editor/languages/definitions/python/register.js'),
      import('monaco-editor/languages/definitions/javascript/register.js'),
      import('monaco-editor/languages/definitions/typescript/register.js'),
      import('monaco-editor/languages/definitions/sql/register.js'),
      import('monaco-editor/languages/definitions/yaml/register.js'),
      import('monaco-editor/languages/definitions/shell/register.js'),
      import('monaco-editor/languages/definitions/html/register.js'),
      import('monaco-editor/languages/definitions/css/register.js'),
    ]);
    (self as unknown as { MonacoEnvironment: { getWorker(): Worker } }).MonacoEnvironment = { getWorker: () => new EditorWorker() };
    return monaco;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** The Monaco theme that matches the workbench's current theme attribute. */
export function monacoTheme(): 'vs' | 'vs-dark' | 'hc-black' {
  const theme = document.documentElement.dataset.themeKind;
  if (theme === 'high-contrast') return 'hc-black';
  if (theme === 'dark') return 'vs-dark';
  return 'vs';
}
