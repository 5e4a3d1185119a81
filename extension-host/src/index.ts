// @penny/extension-host: the process that runs extensions. The kernel forks `hostEntry` with
// `hostExecArgv` and an IPC channel, then speaks the protocol from @penny/manifests to it.
// Importing this module does not load isolated-vm.
import { fileURLToPath } from 'node:url';

/** Absolute path of the host process entry (`src/main.ts`). */
export const hostEntry: string = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Node flags the host needs: no startup snapshot (isolated-vm) and TypeScript sources via tsx. */
export const hostExecArgv: readonly string[] = Object.freeze(['--no-node-snapshot', '--import', 'tsx']);

export type { KernelPort } from './kernel-port.ts';
