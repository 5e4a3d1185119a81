// GET /v1/models: every model the caller's tenant can use now (ready providers, within the
// tenant's model policy), and which one answers when nobody chooses.
import { inject, injectable } from 'inversify';
import type { FastifyInstance } from 'fastify';
import { tenantOf } from '../http/access.ts';
import type { RouteContribution } from '../http/route-contribution.ts';
import { object, responses, uuid } from '../http/schemas.ts';
import { TenantSettings } from '../tenancy/tenant-settings.service.ts';
import { ModelRouter, NO_PROVIDER_HELP, type ModelChoice } from './model-router.ts';

export interface ModelListing {
  extensionId: string;
  provider: string;
  providerName: string;
  model: string;
  modelName: string;
  local: boolean;
  contextWindow: number;
  supportsTools: boolean;
  default: boolean;
}

export const LOCAL_ONLY_HELP =
  'This tenant allows only local models (noExternalModels), and no local provider is ready. An admin can install a local provider ' +
  '(ollama or llama-cpp) or allow external models in the tenant settings.';

const modelSchema = object({
  extensionId: { type: 'string' },
  provider: { type: 'string' },
  providerName: { type: 'string' },
  model: { type: 'string' },
  modelName: { type: 'string' },
  local: { type: 'boolean' },
  contextWindow: { type: 'integer' },
  supportsTools: { type: 'boolean' },
  default: { type: 'boolean' },
});

const sameModel = (a: ModelChoice, b: ModelChoice) => a.installed.extensionId === b.installed.extensionId && a.providerId === b.providerId && a.model === b.model;

function listing(choice: ModelChoice, isDefault: boolean): ModelListing {
  const provider = choice.installed.manifest.contributes?.modelProviders?.find((p) => p.id === choice.providerId);
  const model = provider?.models?.find((m) => m.id === choice.model);
  return {
    extensionId: choice.installed.extensionId,
    provider: choice.providerId,
    providerName: provider?.displayName ?? choice.providerId,
    model: choice.model,
    modelName: model?.displayName ?? choice.model,
    local: choice.local,
    contextWindow: choice.contextWindow,
    supportsTools: choice.supportsTools,
    default: isDefault,
  };
}

@injectable()
export class ModelsRoutes implements RouteContribution {
  constructor(
    @inject(ModelRouter) private readonly router: ModelRouter,
    @inject(TenantSettings) private readonly settings: TenantSettings,
  ) {}

  register(app: FastifyInstance): void {
    app.get<{ Querystring: { workspaceId?: string } }>(
      '/v1/models',
      {
        config: { access: { permission: 'chat.use' } },
        schema: {
          tags: ['chat'],
          summary: 'Models this tenant can use now; `default` marks the one chosen when nobody chooses (in the workspace, if given)',
          querystring: object({ workspaceId: uuid }, []),
          response: responses({
            200: object({ configured: { type: 'boolean' }, help: { type: 'string' }, models: { type: 'array', items: modelSchema } }, ['configured', 'models']),
          }),
        },
      },
      async (request) => {
        const tenantId = tenantOf(request).tenantId;
        const available = await this.router.available(tenantId);
        if (available.allowed.length === 0) {
          return { configured: false, help: available.all.length === 0 ? NO_PROVIDER_HELP : LOCAL_ONLY_HELP, models: [] };
        }
        const wishes = request.query.workspaceId ? [await this.settings.workspaceDefaultModel(tenantId, request.query.workspaceId)] : [];
        const first = this.router.order(available, ...wishes)[0];
        return { configured: true, models: available.allowed.map((c) => listing(c, !!first && sameModel(c, first))) };
      },
    );
  }
}
