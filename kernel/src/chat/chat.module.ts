// Ask, act, see: conversations as message trees, streamed answers with tool calls, and resume.
import { ContainerModule } from 'inversify';
import { RouteContribution } from '../http/route-contribution.ts';
import { ChatRoutes } from './chat.routes.ts';
import { ChatService } from './chat.service.ts';
import { ConversationsService } from './conversations.service.ts';
import { ModelRouter } from './model-router.ts';
import { ModelsRoutes } from './models.routes.ts';
import { StreamHub } from './stream-hub.ts';
import { SystemPrompts } from './system-prompts.ts';
import { ToolApprovals } from './tool-approvals.ts';

export const chatModule = new ContainerModule(({ bind }) => {
  bind(StreamHub).toSelf().inSingletonScope();
  bind(ToolApprovals).toSelf().inSingletonScope();
  bind(ConversationsService).toSelf().inSingletonScope();
  bind(ModelRouter).toSelf().inSingletonScope();
  bind(ChatService).toSelf().inSingletonScope();
  bind(RouteContribution).to(ChatRoutes).inSingletonScope();
  bind(SystemPrompts).toSelf().inSingletonScope();
  bind(RouteContribution).to(ModelsRoutes).inSingletonScope();
});
