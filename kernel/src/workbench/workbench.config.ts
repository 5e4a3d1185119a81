// Where the built workbench (the Vue SPA) lives, read from the environment by `loadConfig`.
// Tests replace the binding (`rebind(WorkbenchConfig)`) to serve a directory of their own.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkbenchConfig {
  /** The Vite build output (`index.html` plus hashed `assets/`). */
  distDir: string;
}
export const WorkbenchConfig = Symbol('WorkbenchConfig');

/** The repository's `workbench-ui/dist/`, next to `kernel/`. */
export const REPOSITORY_WORKBENCH_DIST = fileURLToPath(new URL('../../../workbench-ui/dist/', import.meta.url));

export function loadWorkbenchConfig(env: Record<string, string | undefined>): WorkbenchConfig {
  const dir = env.PENNY_WORKBENCH_DIR?.trim();
  return { distDir: path.resolve(dir || REPOSITORY_WORKBENCH_DIST) };
}
