// Conversation export: Markdown for people, JSON for machines; artifacts are referenced by id.
import type { ConversationDetail, MessageView } from './conversations.service.ts';

function artifactRefs(m: MessageView): string[] {
  if (m.role !== 'tool') return [];
  try {
    const parsed = JSON.parse(m.content) as { artifacts?: { artifactId: string; version: number; title: string }[] };
    return (parsed.artifacts ?? []).map((a) => `[${a.title}](artifact:${a.artifactId}@${a.version})`);
  } catch {
    return [];
  }
}

export function exportConversation(
  conversation: ConversationDetail,
  messages: MessageView[],
  format: 'markdown' | 'json',
  scope: 'branch' | 'tree',
): { body: string; contentType: string; extension: string } {
  if (format === 'json') {
    const { path: _path, alternatives, ...meta } = conversation;
    return {
      body: JSON.stringify({ conversation: meta, scope, activePath: conversation.path.map((m) => m.id), alternatives, messages }, null, 2),
      contentType: 'application/json; charset=utf-8',
      extension: 'json',
    };
  }
  const lines = [`# ${conversation.title || 'Conversation'}`, '', `Exported ${new Date().toISOString()} (${scope === 'tree' ? 'every branch' : 'active branch'}).`, ''];
  for (const m of messages) {
    const heading = m.role === 'tool' ? `### Tool result${m.toolCallId ? ` (${m.toolCallId})` : ''}` : `### ${m.role[0]!.toUpperCase()}${m.role.slice(1)}`;
    lines.push(scope === 'tree' ? `${heading} · ${m.id}${m.parentId ? ` ← ${m.parentId}` : ''}` : heading, '');
    if (m.content) lines.push(m.role === 'tool' ? '```json\n' + m.content + '\n```' : m.content, '');
    const refs = artifactRefs(m);
    for (const call of m.toolCalls ?? []) lines.push(`- calls \`${call.name}\` with \`${call.arguments}\``);
    for (const ref of refs) lines.push(`- artifact ${ref}`);
    if (m.toolCalls?.length || refs.length) lines.push('');
  }
  return { body: lines.join('\n'), contentType: 'text/markdown; charset=utf-8', extension: 'md' };
}
