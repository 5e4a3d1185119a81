// Source templates for `penny-ext new`. Each kind yields a project that builds, passes its own test
// and packs as is, so an author starts from something that works and edits from there.

export type ExtensionKind = 'tool' | 'provider' | 'renderer';

export interface TemplateInput {
  kind: ExtensionKind;
  name: string;
  publisher: string;
  engineRange: string;
}

export function templateFiles(input: TemplateInput): Record<string, string> {
  const files = kinds[input.kind](input);
  return {
    'package.json': `${JSON.stringify(files.manifest, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig(input.kind), null, 2)}\n`,
    '.gitignore': 'dist/\nnode_modules/\n*.pennyext\n*.key.json\n',
    'src/penny.d.ts': PENNY_TYPES,
    'README.md': readme(input, files.summary),
    ...files.sources,
  };
}

interface KindFiles {
  manifest: Record<string, unknown>;
  sources: Record<string, string>;
  summary: string;
}

const kinds: Record<ExtensionKind, (input: TemplateInput) => KindFiles> = {
  tool: (input) => {
    const tool = input.name.replace(/-/g, '_');
    return {
      summary: `contributes the tool \`${tool}\`, which counts the words in a text`,
      manifest: {
        ...manifestBase(input, 'Counts the words in a text.'),
        main: 'dist/extension.js',
        contributes: {
          tools: [
            {
              name: tool,
              description: 'Counts the words in a text.',
              parameters: {
                type: 'object',
                properties: { text: { type: 'string', description: 'The text to count.' } },
                required: ['text'],
              },
              timeoutMs: 5000,
            },
          ],
        },
      },
      sources: {
        'src/extension.ts': `// Server side: runs in an isolate with no Node APIs, only the \`penny\` API.

export function activate(api: PennyApi = penny): void {
  api.tools.register('${tool}', async (args) => {
    const text = typeof args['text'] === 'string' ? args['text'] : '';
    const words = text.split(/\\s+/).filter((word) => word.length > 0).length;
    return { content: { words } };
  });
}
`,
        'test/extension.test.mjs': testFile(`
test('${tool} counts words', async () => {
  const { tools } = loadExtension();
  const result = await tools.get('${tool}')({ text: '  one two\\nthree ' }, callContext());
  assert.deepEqual(plain(result), { content: { words: 3 } });
});
`),
      },
    };
  },

  provider: (input) => ({
    summary: `contributes the model provider \`${input.name}\` with one model, \`echo-1\`, that streams the last user message back`,
    manifest: {
      ...manifestBase(input, 'A model provider that echoes the last user message.'),
      main: 'dist/extension.js',
      contributes: {
        modelProviders: [
          {
            id: input.name,
            displayName: title(input.name),
            local: true,
            models: [{ id: 'echo-1', displayName: 'Echo 1', contextWindow: 8192, capabilities: { streaming: true, tools: false } }],
          },
        ],
      },
    },
    sources: {
      'src/extension.ts': `// Server side: runs in an isolate with no Node APIs, only the \`penny\` API.

export function activate(api: PennyApi = penny): void {
  api.models.registerProvider('${input.name}', {
    async chat(request, sink, signal) {
      const last = [...request.messages].reverse().find((message) => message.role === 'user');
      const text = typeof last?.content === 'string' ? last.content : '';
      const words = text.split(' ');
      for (const [index, word] of words.entries()) {
        if (signal.aborted) return { finishReason: 'cancelled' };
        sink.text(index === 0 ? word : \` \${word}\`);
      }
      sink.usage({ inputTokens: words.length, outputTokens: words.length });
      return { finishReason: 'stop' };
    },
  });
}
`,
      'test/extension.test.mjs': testFile(`
test('echo-1 streams the last user message back', async () => {
  const { providers } = loadExtension();
  const deltas = [];
  const sink = { text: (delta) => deltas.push(delta), toolCall() {}, usage() {} };
  const request = { model: 'echo-1', messages: [{ role: 'user', content: 'hello there penny' }] };
  const result = await providers.get('${input.name}').chat(request, sink, new AbortController().signal);
  assert.equal(deltas.join(''), 'hello there penny');
  assert.equal(result.finishReason, 'stop');
});
`),
    },
  }),

  renderer: (input) => {
    const mime = `application/vnd.${input.publisher}.${input.name}+json`;
    return {
      summary: `contributes an artifact renderer for \`${mime}\` that shows the artifact's JSON data as a list`,
      manifest: {
        ...manifestBase(input, `Renders ${mime} artifacts.`),
        browser: 'dist/renderer.js',
        contributes: { artifactRenderers: [{ id: input.name, displayName: title(input.name), mimeTypes: [mime] }] },
      },
      sources: {
        'src/renderer.ts': `// Workbench side: runs in a sandboxed iframe and hears about artifacts by postMessage only.
// Text goes in through textContent, never innerHTML: artifact data is untrusted.

interface RenderMessage {
  type: 'render';
  artifact: { mimeType: string; title?: string; data: unknown };
}

function render({ artifact }: RenderMessage): void {
  const list = document.createElement('dl');
  const entries: [string, unknown][] = typeof artifact.data === 'object' && artifact.data !== null ? Object.entries(artifact.data) : [['value', artifact.data]];
  for (const [key, value] of entries) {
    const term = document.createElement('dt');
    term.textContent = key;
    const detail = document.createElement('dd');
    detail.textContent = typeof value === 'string' ? value : JSON.stringify(value);
    list.append(term, detail);
  }
  document.body.replaceChildren(list);
}

addEventListener('message', (event: MessageEvent) => {
  const message = event.data as Partial<RenderMessage> | null;
  if (message?.type === 'render' && message.artifact) render(message as RenderMessage);
});
`,
        'test/renderer.test.mjs': `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

// Runs the built renderer against a tiny stand-in for the iframe's DOM.
function element(tag) {
  return { tag, textContent: '', children: [], append(...nodes) { this.children.push(...nodes); }, replaceChildren(...nodes) { this.children = nodes; } };
}

test('renders artifact data as a definition list', () => {
  const listeners = [];
  const document = { body: element('body'), createElement: element };
  const context = vm.createContext({ document, addEventListener: (type, listener) => listeners.push({ type, listener }) });
  vm.runInContext(readFileSync(new URL('../dist/renderer.js', import.meta.url), 'utf8'), context);
  for (const { listener } of listeners) listener({ data: { type: 'render', artifact: { mimeType: '${mime}', data: { revenue: 42, region: '<b>EU</b>' } } } });
  const [list] = document.body.children;
  assert.equal(list.tag, 'dl');
  assert.deepEqual(list.children.map((node) => node.textContent), ['revenue', '42', 'region', '<b>EU</b>']);
});
`,
      },
    };
  },
};

function manifestBase(input: TemplateInput, description: string): Record<string, unknown> {
  return {
    name: input.name,
    publisher: input.publisher,
    version: '0.1.0',
    displayName: title(input.name),
    description,
    license: 'UNLICENSED',
    private: true,
    engines: { penny: input.engineRange },
    scripts: { build: 'penny-ext build', test: 'penny-ext build && node --test test/', package: 'penny-ext build && penny-ext pack' },
    permissions: { network: [], secrets: [], datasources: [] },
  };
}

function testFile(body: string): string {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

// Loads the built bundle the way the extension host does: a plain script in a context without
// Node APIs, where \`penny\` is the only global the extension gets.
function loadExtension() {
  const tools = new Map();
  const providers = new Map();
  const registry = (map) => ({ register: (id, value) => (map.set(id, value), { dispose: () => map.delete(id) }) });
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  const penny = { extensionId: 'test', tools: registry(tools), commands: registry(new Map()), models: { registerProvider: registry(providers).register }, log };
  const context = vm.createContext({ penny });
  vm.runInContext(readFileSync(new URL('../dist/extension.js', import.meta.url), 'utf8'), context);
  context.__pennyExtension?.activate?.(penny);
  return { tools, providers };
}

function callContext() {
  return { callId: 'call-1', userId: 'user-1', signal: new AbortController().signal };
}

// Results cross the isolate boundary as JSON; compare them the same way.
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}
${body}`;
}

function tsconfig(kind: ExtensionKind): Record<string, unknown> {
  return {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      lib: kind === 'renderer' ? ['ES2022', 'DOM'] : ['ES2022'],
      types: [],
    },
    include: ['src'],
  };
}

function readme(input: TemplateInput, summary: string): string {
  return `# ${title(input.name)}

A Penny ${input.kind} extension by \`${input.publisher}\`: it ${summary}.

\`\`\`sh
penny-ext build                      # bundle src/ into dist/ with esbuild
node --test test/                    # run the tests against the built bundle
penny-ext pack                       # -> ${input.publisher}.${input.name}-0.1.0.pennyext
penny-ext keys generate ${input.publisher}          # once: your publisher key
penny-ext sign ${input.publisher}.${input.name}-0.1.0.pennyext --key ${input.publisher}
penny-ext publish ${input.publisher}.${input.name}-0.1.0.pennyext --url https://penny.example.com --token $PENNY_TOKEN
\`\`\`

The manifest is \`package.json\`: \`contributes\` declares what the extension adds, \`permissions\`
what it may reach (network hosts, secrets, datasources). A tenant admin reviews and accepts the
permissions before installing; asking for more in a later version needs a new acceptance.

${input.kind === 'renderer' ? 'The renderer runs in a sandboxed iframe of the workbench and receives artifacts by `postMessage`.' : 'The code runs in an isolate: no Node APIs, no `require`; use the `penny` API (`penny.fetch` reaches only the hosts in `permissions.network`).'}
Give tenant admins your public key (\`penny-ext keys export ${input.publisher}\`) so they can trust your bundles.
`;
}

function title(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

// The parts of the \`penny\` API a new extension needs; the full contract is PennyApi in @penny/manifests.
const PENNY_TYPES = `// Types for the \`penny\` global the extension host provides (a subset of PennyApi).

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
interface Disposable { dispose(): void }
interface PennyAbortSignal { readonly aborted: boolean; addEventListener(type: 'abort', listener: () => void): void }
interface ToolResult { content: JsonValue; artifacts?: { mimeType: string; title: string; data: JsonValue }[] }
interface ToolCallContext { callId: string; userId: string; conversationId?: string; signal: PennyAbortSignal }
interface ChatMessage { role: 'system' | 'user' | 'assistant' | 'tool'; content: string | { type: 'text'; text: string }[] }
interface ChatRequest { model: string; messages: ChatMessage[]; temperature?: number; maxTokens?: number }
interface ChatSink {
  text(delta: string): void;
  toolCall(delta: { index: number; id?: string; name?: string; argumentsDelta?: string }): void;
  usage(usage: { inputTokens: number; outputTokens: number }): void;
}
type FinishReason = 'stop' | 'length' | 'toolCalls' | 'contentFilter' | 'cancelled';
interface ModelProvider {
  chat(request: ChatRequest, sink: ChatSink, signal: PennyAbortSignal): Promise<{ finishReason?: FinishReason } | void>;
}
interface PennyApi {
  readonly extensionId: string;
  readonly tools: { register(name: string, handler: (args: Record<string, JsonValue>, context: ToolCallContext) => ToolResult | Promise<ToolResult>): Disposable };
  readonly models: { registerProvider(id: string, provider: ModelProvider): Disposable };
  readonly commands: { register(id: string, handler: (...args: JsonValue[]) => unknown): Disposable };
  readonly secrets: { get(name: string): Promise<string> };
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ ok: boolean; status: number; text(): Promise<string>; json(): Promise<unknown> }>;
  readonly log: Record<'debug' | 'info' | 'warn' | 'error', (message: string, data?: JsonValue) => void>;
}
declare const penny: PennyApi;
`;
