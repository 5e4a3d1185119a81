// Where the built workbench (the Vue SPA) lives, read from the environment by `loadConfig`.
// Tests replace the binding (`rebind(WorkbenchConfig)`) to serve a directory of their own.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WorkbenchConfig {
  /** The Vite build output (`index.html` plus hashed `assets/`). */
  distDir: string;
  /** Origins the page may also connect to (an external Faro collector); added to index.html's CSP. */
  connectSources?: string[];
}
export const WorkbenchConfig = Symbol('WorkbenchConfig');

/** The repository's `workbench-ui/dist/`, next to `kernel/`. */
export const REPOSITORY_WORKBENCH_DIST = fileURLToPath(new URL('../../../workbench-ui/dist/', import.meta.url));

export function loadWorkbenchConfig(env: Record<string, string | undefined>): WorkbenchConfig {
  const dir = env.PENNY_WORKBENCH_DIR?.trim();
  // PENNY_TELEMETRY itself is validated by the telemetry config; only a URL's origin matters here.
  const telemetry = env.PENNY_TELEMETRY?.trim() ?? '';
  const origin = /^https?:\/\//i.test(telemetry) && URL.canParse(telemetry) ? new URL(telemetry).origin : null;
  const connectSources = origin ? [origin] : [];
  return { distDir: path.resolve(dir || REPOSITORY_WORKBENCH_DIST), connectSources };
}
