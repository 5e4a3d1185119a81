// The kernel's whole configuration: one typed object, read once from the environment.
// Defaults give the embedded single-machine setup (PGlite, in-process bus, local folder).
import path from 'node:path';
import { loadMarketplaceConfig, type MarketplaceConfig } from '../marketplace/marketplace.config.ts';
import { loadWorkbenchConfig, type WorkbenchConfig } from '../workbench/workbench.config.ts';
import { loadTelemetryConfig, type TelemetryConfig } from '../telemetry/telemetry.config.ts';

export interface RateLimitConfig {
  /** Requests per window for one user in one tenant. */
  perUser: number;
  /** Requests per window for a whole tenant. */
  perTenant: number;
  /** Requests per window for one client address on routes that need no sign-in. */
  perAnonymousIp: number;
  windowMs: number;
  /** Failed sign-ins before an account (or address) is throttled. */
  loginFailuresPerAccount: number;
  loginFailuresPerIp: number;
  loginWindowMs: number;
}

export interface ExtensionRuntimeConfig {
  /** Defaults for every isolate; a tenant policy may only tighten them. */
  memoryMb: number;
  cpuMsPerCall: number;
  wallMsPerCall: number;
  /** A tenant's host stops after this long without calls. */
  hostIdleMs: number;
  heartbeatMs: number;
  /** A host that has not answered a heartbeat for this long is killed and restarted. */
  heartbeatTimeoutMs: number;
  /** Isolate resets or host crashes of one extension within the window before it is disabled. */
  crashLimit: number;
  crashWindowMs: number;
  /** Largest tool result accepted from an extension unless its manifest sets less. */
  maxResultBytes: number;
  /** Tool calls running at once in one tenant; more are refused (429) until one ends. */
  maxConcurrentToolCalls: number;
}

/** Model providers configured for every tenant by the operator, from the environment. */
export interface ProviderEnvironment {
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  /** `OLLAMA_HOST`, as Ollama's own CLI reads it (`host:port` or a URL). */
  ollamaHost: string | undefined;
  localModel: string | undefined;
}

/** Where artifact contents live: a folder under the data dir, or an S3-compatible bucket. */
export type ObjectStoreConfig =
  | { kind: 'local' }
  | {
      kind: 's3';
      /** An S3-compatible server (MinIO, R2, Ceph…); unset: AWS S3 itself. */
      endpoint: string | undefined;
      bucket: string;
      region: string;
      /** Unset: the AWS SDK's own chain (environment, profile, instance role). */
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      /** `bucket` in the path rather than the host name, as most S3-compatible servers want. */
      forcePathStyle: boolean;
    };

export interface KernelConfig {
  port: number;
  host: string;
  /** Public base URL used in links (invitations); derived from host and port when unset. */
  publicUrl: string;
  dataDir: string;
  /** A PostgreSQL URL; when unset the kernel runs embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  redisUrl: string | undefined;
  /** Prefix for every Redis key and channel, so several deployments may share one Redis. */
  redisPrefix: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  demoTenant: boolean;
  corsOrigins: string[];
  /** 'auto' marks cookies Secure when the request arrived over TLS (directly or via a trusted proxy). */
  cookieSecure: 'auto' | boolean;
  trustProxy: boolean;
  bodyLimitBytes: number;
  sessionTtlMs: number;
  bearerTtlMs: number;
  invitationTtlMs: number;
  rateLimit: RateLimitConfig;
  extensions: ExtensionRuntimeConfig;
  providers: ProviderEnvironment;
  objectStore: ObjectStoreConfig;
  marketplace: MarketplaceConfig;
  workbench: WorkbenchConfig;
  /** Front-end telemetry (PENNY_TELEMETRY): off, the kernel's collector, or a Faro URL. */
  telemetry: TelemetryConfig;
  /** Base64 of 32 bytes that encrypts extension secrets; generated under the data dir when unset. */
  secretKey: string | undefined;
  logLevel: string;
  /** Cost parameter N of scrypt (a power of two). */
  scryptCost: number;
  instanceId: string;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function loadConfig(env: Env = process.env, overrides: Partial<KernelConfig> = {}): KernelConfig {
  const port = int(env, 'PORT', 3000);
  const host = env.HOST ?? '127.0.0.1';
  const cookieSecureRaw = env.PENNY_COOKIE_SECURE ?? 'auto';
  const scryptCost = int(env, 'PENNY_SCRYPT_COST', 1 << 15);
  if ((scryptCost & (scryptCost - 1)) !== 0 || scryptCost < 1024) {
    throw new ConfigError(`PENNY_SCRYPT_COST must be a power of two ≥ 1024, got ${scryptCost}`);
  }
  const config: Omit<KernelConfig, 'marketplace' | 'workbench' | 'telemetry'> = {
    port,
    host,
    publicUrl: optional(env, 'PENNY_PUBLIC_URL') ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`,
    dataDir: path.resolve(env.PENNY_DATA_DIR ?? '.penny'),
    databaseUrl: optional(env, 'DATABASE_URL'),
    databasePoolSize: int(env, 'PENNY_DB_POOL', 10),
    redisUrl: optional(env, 'REDIS_URL'),
    redisPrefix: env.PENNY_REDIS_PREFIX ?? 'penny:',
    smtpUrl: optional(env, 'SMTP_URL'),
    mailFrom: env.PENNY_MAIL_FROM ?? 'Penny <no-reply@penny.local>',
    adminEmail: optional(env, 'PENNY_ADMIN_EMAIL'),
    adminPassword: optional(env, 'PENNY_ADMIN_PASSWORD'),
    demoTenant: bool(env, 'PENNY_DEMO_TENANT', true),
    corsOrigins: (env.PENNY_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    cookieSecure: cookieSecureRaw === 'auto' ? 'auto' : bool(env, 'PENNY_COOKIE_SECURE', false),
    trustProxy: bool(env, 'PENNY_TRUST_PROXY', false),
    bodyLimitBytes: int(env, 'PENNY_BODY_LIMIT', 1024 * 1024),
    sessionTtlMs: int(env, 'PENNY_SESSION_TTL_MINUTES', 12 * 60) * 60_000,
    bearerTtlMs: int(env, 'PENNY_BEARER_TTL_MINUTES', 60) * 60_000,
    invitationTtlMs: int(env, 'PENNY_INVITATION_TTL_HOURS', 72) * 3_600_000,
    rateLimit: {
      perUser: int(env, 'PENNY_RATE_LIMIT_USER', 600),
      perTenant: int(env, 'PENNY_RATE_LIMIT_TENANT', 6000),
      perAnonymousIp: int(env, 'PENNY_RATE_LIMIT_ANONYMOUS', 120),
      windowMs: int(env, 'PENNY_RATE_LIMIT_WINDOW_SECONDS', 60) * 1000,
      loginFailuresPerAccount: int(env, 'PENNY_LOGIN_FAILURES_ACCOUNT', 5),
      loginFailuresPerIp: int(env, 'PENNY_LOGIN_FAILURES_IP', 50),
      loginWindowMs: int(env, 'PENNY_LOGIN_WINDOW_MINUTES', 15) * 60_000,
    },
    extensions: {
      memoryMb: int(env, 'PENNY_EXT_MEMORY_MB', 128),
      cpuMsPerCall: int(env, 'PENNY_EXT_CPU_MS', 5000),
      wallMsPerCall: int(env, 'PENNY_EXT_WALL_MS', 120_000),
      hostIdleMs: int(env, 'PENNY_EXT_HOST_IDLE_SECONDS', 600) * 1000,
      heartbeatMs: int(env, 'PENNY_EXT_HEARTBEAT_MS', 5000),
      heartbeatTimeoutMs: int(env, 'PENNY_EXT_HEARTBEAT_TIMEOUT_MS', 15_000),
      crashLimit: int(env, 'PENNY_EXT_CRASH_LIMIT', 5),
      crashWindowMs: int(env, 'PENNY_EXT_CRASH_WINDOW_SECONDS', 300) * 1000,
      maxResultBytes: int(env, 'PENNY_EXT_MAX_RESULT_BYTES', 1024 * 1024),
      maxConcurrentToolCalls: int(env, 'PENNY_EXT_MAX_CONCURRENT_TOOL_CALLS', 16),
    },
    providers: {
      openaiApiKey: optional(env, 'OPENAI_API_KEY'),
      openaiBaseUrl: optional(env, 'OPENAI_BASE_URL'),
      anthropicApiKey: optional(env, 'ANTHROPIC_API_KEY'),
      anthropicBaseUrl: optional(env, 'ANTHROPIC_BASE_URL'),
      ollamaHost: optional(env, 'OLLAMA_HOST'),
      localModel: optional(env, 'PENNY_LOCAL_MODEL'),
    },
    objectStore:
      optional(env, 'S3_BUCKET') || optional(env, 'S3_ENDPOINT')
        ? {
            kind: 's3',
            endpoint: optional(env, 'S3_ENDPOINT'),
            bucket: optional(env, 'S3_BUCKET') ?? 'penny',
            region: optional(env, 'S3_REGION') ?? 'us-east-1',
            accessKeyId: optional(env, 'S3_ACCESS_KEY_ID'),
            secretAccessKey: optional(env, 'S3_SECRET_ACCESS_KEY'),
            forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', optional(env, 'S3_ENDPOINT') !== undefined),
          }
        : { kind: 'local' },
    secretKey: optional(env, 'PENNY_SECRET_KEY'),
    logLevel: env.LOG_LEVEL ?? 'info',
    scryptCost,
    instanceId: env.PENNY_INSTANCE_ID ?? `kernel-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  };
  const merged = {
    ...config,
    ...overrides,
    rateLimit: { ...config.rateLimit, ...overrides.rateLimit },
    extensions: { ...config.extensions, ...overrides.extensions },
    providers: { ...config.providers, ...overrides.providers },
  };
  // These depend on the data dir, which an override may have moved.
  return {
    ...merged,
    marketplace: overrides.marketplace ?? loadMarketplaceConfig(env, { dataDir: merged.dataDir }),
    workbench: overrides.workbench ?? loadWorkbenchConfig(env),
    telemetry: overrides.telemetry ?? loadTelemetryConfig(env),
  };
}

export const KernelConfig = Symbol('KernelConfig');
