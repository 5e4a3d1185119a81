// Public surface of the kernel package (used by tests, benchmarks and tooling).
export { loadConfig, KernelConfig, type RateLimitConfig } from './config/config.ts';
export { startKernel, KERNEL_MODULES, type Kernel } from './kernel.ts';
export { Database } from './database/database.service.ts';
export { AuditLog } from './audit/audit.service.ts';
export { EventBus } from './bus/event-bus.ts';
export type { KernelEvents } from './bus/events.ts';
