// Prints the extension host's figures for a trivial extension: cold activation, tool-invoke round
// trip (in-process host → isolate → back, and over the real JSON-RPC/IPC channel), idle RSS.
// Run: node --no-node-snapshot --import tsx extension-host/bench/host.bench.ts
import { PROTOCOL_VERSION, type JsonValue } from '@penny/manifests';
import { ExtensionHost } from '../src/host.ts';
import type { KernelPort } from '../src/kernel-port.ts';
import { TestKernel, loadFixture, testLimits } from '../test/harness.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ACTIVATIONS = Number(process.env.BENCH_ACTIVATIONS ?? 30);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (value: number) => `${value.toFixed(3)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function report(label: string, samples: number[]): void {
  console.log(`${label.padEnd(44)} p50 ${ms(percentile(samples, 50))}  p99 ${ms(percentile(samples, 99))}  (n=${samples.length})`);
}

async function timeCalls(call: () => Promise<unknown>, count: number): Promise<number[]> {
  for (let i = 0; i < Math.min(200, count); i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

function memoryKernel(): KernelPort {
  const storage = new Map<string, JsonValue>();
  return {
    storageGet: async ({ key }) => (storage.has(key) ? { found: true, value: storage.get(key)! } : { found: false }),
    storageSet: async ({ key, value }) => void storage.set(key, value),
    storageDelete: async ({ key }) => ({ deleted: storage.delete(key) }),
    storageList: async () => ({ keys: [...storage.keys()] }),
    secretsResolve: async () => ({ value: '' }),
    datasourceQuery: async () => ({ columns: [], rows: [] }),
    artifactCreate: async () => ({ artifactId: 'a', version: 1 }),
    log: () => undefined,
    chatChunk: () => undefined,
    didCrash: () => undefined,
  };
}

async function inProcess(): Promise<void> {
  const fixture = await loadFixture('echo-table');
  const host = new ExtensionHost(memoryKernel());
  host.initialize({ tenantId: 'bench', kernelVersion: '1.0.0', protocolVersion: PROTOCOL_VERSION, limits: testLimits, egress: { allow: [] } });
  const activate = () =>
    host.activate({ extensionId: fixture.extensionId, manifest: fixture.manifest, source: fixture.source, permissions: { network: [], secrets: [], datasources: [] } });
  const first = await activate();
  const cold: number[] = [];
  for (let i = 0; i < ACTIVATIONS; i++) cold.push((await activate()).activationMs);
  console.log(`first activation in a fresh process (bundles the prelude, fills the code cache): ${ms(first.activationMs)}`);
  report('cold activation (isolate + prelude + load + activate)', cold);
  const invoke = () => host.invokeTool({ extensionId: fixture.extensionId, tool: 'echo', args: { n: 1 }, callId: 'c', context: { userId: 'u' } });
  report('tool invoke, in-process (host → isolate → host)', await timeCalls(invoke, CALLS));
  await host.shutdown();
}

async function overIpc(): Promise<void> {
  const kernel = await TestKernel.start();
  try {
    await kernel.ping();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = await kernel.stats();
    const { extensionId, activationMs } = await kernel.activate('echo-table');
    const roundTrip: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await kernel.activate('echo-table');
      roundTrip.push(performance.now() - started);
    }
    console.log(`first activation in the host process: ${ms(activationMs)}`);
    report('activation request over IPC (incl. deactivation)', roundTrip);
    report('tool invoke over JSON-RPC/IPC (kernel side)', await timeCalls(() => kernel.invoke(extensionId, 'echo', { n: 1 }), CALLS));
    report('host/ping over JSON-RPC/IPC', await timeCalls(() => kernel.ping(), CALLS));
    const active = await kernel.stats();
    console.log(`idle host RSS, no extension active:          ${mb(idle.rssBytes)} (JS heap ${mb(idle.heapUsedBytes)})`);
    console.log(`host RSS with one trivial extension active: ${mb(active.rssBytes)}; its isolate heap ${mb(active.isolates[0]!.usedHeapBytes)}`);
  } finally {
    await kernel.stop();
  }
}

console.log(`node ${process.version}, ${CALLS} calls per series\n`);
await inProcess();
console.log('');
await overIpc();
