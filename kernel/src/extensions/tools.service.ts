// Invoking contributed tools directly: arguments validated against the tool's JSON Schema, the
// caller's permission checked, the call run in the tenant's extension host with a deadline, the
// result size capped, and every call audited (with payload hashes) and timed.
import { inject, injectable } from 'inversify';
import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeFieldErrors, fieldErrors } from '../core/schema-errors.ts';
import addFormats from 'ajv-formats';
import type { JsonValue } from '@penny/manifests';
import { KernelConfig } from '../config/config.ts';
import { ExtensionFailedError, ForbiddenError, KernelError, RateLimitedError, ValidationError } from '../core/errors.ts';
import { roleAtLeast, type Role } from '../rbac/permissions.ts';
import { TenantSettings } from '../tenancy/tenant-settings.service.ts';
import { AuditLog } from '../audit/audit.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';
import { ContributionRegistry, type ToolContribution } from './contributions.ts';
import { ExtensionHosts } from './extension-hosts.ts';

export interface ToolCallResult {
  callId: string;
  tool: string;
  extensionId: string;
  durationMs: number;
  content: JsonValue;
  artifacts: unknown[];
}

@injectable()
export class ToolsService {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
  private readonly validators = new Map<string, ValidateFunction>();
  /** Tool calls running now, per tenant. */
  private readonly running = new Map<string, number>();

  constructor(
    @inject(KernelConfig) private readonly config: KernelConfig,
    @inject(ContributionRegistry) private readonly registry: ContributionRegistry,
    @inject(ExtensionHosts) private readonly hosts: ExtensionHosts,
    @inject(AuditLog) private readonly audit: AuditLog,
    @inject(TenantSettings) private readonly settings: TenantSettings,
  ) {
    (addFormats as unknown as (a: Ajv) => void)(this.ajv);
  }

  /** The tools the caller may use in this tenant: tools.invoke, and the role a tool asks for. */
  async list(tenant: TenantContext): Promise<ToolContribution[]> {
    if (!tenant.permissions.has('tools.invoke')) return [];
    const [{ tools }, snapshot] = await Promise.all([this.registry.forTenant(tenant.tenantId), this.settings.snapshot(tenant.tenantId)]);
    const roles = snapshot.tenant.toolRoles;
    return tools.filter((t) => mayCall(tenant, roles, t.name));
  }

  /** The declaration of a tool the tenant has (for its `confirm` flag, limits and schema). */
  describe(tenantId: string, name: string) {
    return this.registry.tool(tenantId, name);
  }

  private validator(key: string, schema: object): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) this.validators.set(key, (v = this.ajv.compile(schema)));
    return v;
  }

  async invoke(tenant: TenantContext, actor: Principal, name: string, args: Record<string, JsonValue>, ip: string): Promise<ToolCallResult> {
    const [{ installed, tool }, snapshot] = await Promise.all([this.registry.tool(tenant.tenantId, name), this.settings.snapshot(tenant.tenantId)]);
    if (!mayCall(tenant, snapshot.tenant.toolRoles, name)) throw new ForbiddenError(`The tool ${name} is for members with the role ${snapshot.tenant.toolRoles[name]} or above in this tenant.`);
    const validate = this.validator(`${installed.bundleSha256}:${name}`, tool.parameters ?? { type: 'object' });
    if (!validate(args)) {
      const errors = fieldErrors(validate.errors, 'arguments', { unknownMember: (field) => `has an unknown field "${field}"` });
      throw new ValidationError(`Invalid arguments for ${name}: ${describeFieldErrors(errors)}`, errors);
    }
    const callId = randomUUID();
    const timeoutMs = Math.min(tool.timeoutMs ?? this.config.extensions.wallMsPerCall, this.config.extensions.wallMsPerCall);
    const maxBytes = Math.min(tool.maxResultBytes ?? this.config.extensions.maxResultBytes, this.config.extensions.maxResultBytes);
    const started = performance.now();
    const record = (outcome: 'success' | 'failure', extra: Record<string, unknown>) =>
      this.audit.record({
        tenantId: tenant.tenantId,
        actorId: actor.userId,
        actor: actor.email,
        action: 'tool.invoked',
        target: `tool:${installed.extensionId}/${name}`,
        outcome,
        payload: { callId, tool: name, arguments: args, ...extra },
        ip,
      });
    const inFlight = this.running.get(tenant.tenantId) ?? 0;
    if (inFlight >= this.config.extensions.maxConcurrentToolCalls) {
      throw new RateLimitedError(`${inFlight} tool calls are already running in this tenant (the limit is ${this.config.extensions.maxConcurrentToolCalls}); try again when one ends.`, 1000);
    }
    this.running.set(tenant.tenantId, inFlight + 1);
    try {
      const result = await this.hosts.invokeTool(tenant.tenantId, installed, name, args, callId, { userId: actor.userId }, timeoutMs);
      const size = Buffer.byteLength(JSON.stringify(result));
      if (size > maxBytes) throw new ExtensionFailedError(`${installed.extensionId}: the result of ${name} is ${size} bytes, over the limit of ${maxBytes}.`, { reason: 'ResultTooLarge' });
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      await record('success', { durationMs, resultBytes: size });
      return { callId, tool: name, extensionId: installed.extensionId, durationMs, content: result.content, artifacts: result.artifacts ?? [] };
    } catch (err) {
      await record('failure', { error: err instanceof KernelError ? err.code : 'internal', message: (err as Error).message }).catch(() => undefined);
      throw err;
    } finally {
      const left = (this.running.get(tenant.tenantId) ?? 1) - 1;
      if (left > 0) this.running.set(tenant.tenantId, left);
      else this.running.delete(tenant.tenantId);
    }
  }
}

/** Whether the caller's role reaches the one the tenant asks for this tool (none asked: yes). */
function mayCall(tenant: TenantContext, toolRoles: Record<string, Role>, name: string): boolean {
  const needed = toolRoles[name];
  return !needed || roleAtLeast(tenant.role, needed);
}
