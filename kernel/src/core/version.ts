// The kernel's version: extension manifests name the engine range they need (`engines.penny`).
export const KERNEL_VERSION = '1.0.0';
