// Entry of the extension-host child process, forked by the kernel's supervisor with an IPC channel
// (Node must run with --no-node-snapshot for isolated-vm). Serves the protocol until the kernel
// goes away, then disposes every isolate and exits.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type CancellationToken } from 'vscode-jsonrpc/node';
import {
  ArtifactCreateRequest,
  CommandRunRequest,
  DatasourceQueryRequest,
  ExtensionActivateRequest,
  ExtensionDeactivateRequest,
  ExtensionDidCrashNotification,
  HostInitializeRequest,
  HostPingRequest,
  HostShutdownRequest,
  HostStatsRequest,
  LogNotification,
  ModelCancelNotification,
  ModelChatChunkNotification,
  ModelChatRequest,
  ModelEmbedRequest,
  SecretsResolveRequest,
  SidecarConnectRequest,
  StorageDeleteRequest,
  StorageGetRequest,
  StorageListRequest,
  StorageSetRequest,
  ToolInvokeRequest,
} from '@penny/manifests';
import { toResponseError } from './errors.ts';
import { ExtensionHost } from './host.ts';
import { preludeSource } from './prelude.ts';
import type { KernelPort } from './kernel-port.ts';

if (!process.send) {
  process.stderr.write('the extension host must be forked with an IPC channel\n');
  process.exit(64);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
const notify = (send: Promise<void>) => void send.catch(() => undefined);

const kernel: KernelPort = {
  storageGet: (p) => connection.sendRequest(StorageGetRequest, p),
  storageSet: (p) => connection.sendRequest(StorageSetRequest, p),
  storageDelete: (p) => connection.sendRequest(StorageDeleteRequest, p),
  storageList: (p) => connection.sendRequest(StorageListRequest, p),
  secretsResolve: (p) => connection.sendRequest(SecretsResolveRequest, p),
  datasourceQuery: (p) => connection.sendRequest(DatasourceQueryRequest, p),
  artifactCreate: (p) => connection.sendRequest(ArtifactCreateRequest, p),
  log: (p) => notify(connection.sendNotification(LogNotification, p)),
  chatChunk: (p) => notify(connection.sendNotification(ModelChatChunkNotification, p)),
  didCrash: (p) => notify(connection.sendNotification(ExtensionDidCrashNotification, p)),
  sidecarConnect: (p) => connection.sendRequest(SidecarConnectRequest, p),
};

const host = new ExtensionHost(kernel);
// Bundle the isolate prelude now, so the first activation does not pay for it.
void preludeSource().catch((error: unknown) => kernel.log({ level: 'error', message: `prelude failed to build: ${String(error)}` }));

// Every failure leaves as a JSON-RPC error with a Penny code, never as a thrown host exception.
function serve<P, R>(handler: (params: P, token: CancellationToken) => R | Promise<R>) {
  return async (params: P, token: CancellationToken): Promise<R> => {
    try {
      return await handler(params, token);
    } catch (error) {
      throw toResponseError(error);
    }
  };
}

connection.onRequest(HostInitializeRequest, serve((p) => host.initialize(p)));
connection.onRequest(ExtensionActivateRequest, serve((p) => host.activate(p)));
connection.onRequest(ExtensionDeactivateRequest, serve((p) => host.deactivate(p.extensionId)));
connection.onRequest(ToolInvokeRequest, serve((p, token) => host.invokeTool(p, token)));
connection.onRequest(CommandRunRequest, serve((p, token) => host.runCommand(p, token)));
connection.onRequest(ModelChatRequest, serve((p) => host.chat(p)));
connection.onRequest(ModelEmbedRequest, serve((p) => host.embed(p)));
connection.onRequest(HostPingRequest, serve((p) => host.ping(p)));
connection.onRequest(HostStatsRequest, serve(() => host.stats()));
connection.onRequest(HostShutdownRequest, serve(async () => {
  await host.shutdown();
  setImmediate(() => stop(0));
}));
connection.onNotification(ModelCancelNotification, (p) => host.cancelChat(p.requestId));

// Extension code cannot reach the host's event loop, so these should never fire; if host code
// slips, stay up for the other extensions and report it.
const fault = (kind: string) => (error: unknown) => {
  host.faults++;
  kernel.log({ level: 'error', message: `extension host ${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
};
process.on('unhandledRejection', fault('unhandled rejection'));
process.on('uncaughtException', fault('uncaught exception'));

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  void host.shutdown().finally(() => {
    connection.dispose();
    process.exit(code);
  });
  setTimeout(() => process.exit(code), 2000).unref();
}

connection.onClose(() => stop(0));
process.on('disconnect', () => stop(0));
connection.listen();
