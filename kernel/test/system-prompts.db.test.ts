// The tenant's and the workspace's system prompt templates reach the model, composed and filled
// in, and the workspace's default model answers.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, Api, startTestKernel } from './harness.ts';
import { installDirectly } from './extension-fixtures.ts';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);

describe('system prompts in a chat turn', () => {
  it('gives the model the composed templates and uses the workspace default model', async () => {
    const k = await startTestKernel({ config: { demoTenant: false } });
    try {
      const root = await new Api(k.url).signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
      const tenant = await root.post('/v1/tenants', { slug: 'wire', name: 'Wire Co' });
      const api = new Api(k.url, root.token, 'wire');
      await installDirectly(k.kernel, tenant.body.id, fixture('scripted-llm'));
      await installDirectly(k.kernel, tenant.body.id, fixture('echo-system-llm'));
      const [workspace] = (await api.get('/v1/workspaces')).body;
      expect((await api.patch('/v1/tenant/settings', { systemPrompts: { en: 'Tenant {{tenant}}.' } })).status).toBe(200);
      const patched = await api.patch(`/v1/workspaces/${workspace.id}`, { systemPrompts: { en: 'WS {{workspace}} for {{user}}.' }, defaultModel: { provider: 'echo-system', model: 'echo-1' } });
      expect(patched.status).toBe(200);
      const conversation = (await api.post('/v1/conversations', {})).body;
      const started = await api.request('POST', `/v1/chat/${conversation.id}/messages`, { content: 'hi' }, { accept: 'application/json' });
      expect(started.status).toBe(202);
      let last: { status?: string; provider?: string; content?: string } | undefined;
      for (let i = 0; i < 150 && last?.status !== 'complete'; i++) {
        if (i) await new Promise((r) => setTimeout(r, 200));
        last = (await api.get(`/v1/conversations/${conversation.id}`)).body.path.at(-1);
      }
      expect(last).toMatchObject({ provider: 'echo-system', content: expect.stringContaining(`SYSTEM<system:Tenant Wire Co.\n\nWS ${workspace.name} for`) });
    } finally {
      await k.stop();
    }
  });
});
