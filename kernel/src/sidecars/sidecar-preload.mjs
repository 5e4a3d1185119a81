// Loaded into every sidecar with `--import`, before its own code: the process leaves when the kernel
// that started it is gone (even one killed outright), and bare imports the bundle cannot resolve fall
// back to the platform's node_modules (NODE_PATH), which ESM resolution otherwise ignores.
import { register } from 'node:module';
import { setInterval } from 'node:timers';
import path from 'node:path';

// The kernel names itself: by the time this runs it may already be gone (and the parent be init).
const parent = Number(process.env.PENNY_SIDECAR_PARENT_PID) || process.ppid;
// Processes the sidecar starts itself (node-llama-cpp tests its binary in one) watch their own parent.
delete process.env.PENNY_SIDECAR_PARENT_PID;
const orphaned = () => process.ppid !== parent;
if (orphaned()) process.exit(70);
setInterval(() => {
  if (orphaned()) process.exit(70);
}, 500).unref();

const modules = (process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean);
if (modules.length) register(new URL('./sidecar-resolve.mjs', import.meta.url), { data: { modules } });
