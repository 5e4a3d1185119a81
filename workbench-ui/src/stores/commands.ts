// The command palette's actions: providers contribute lists of actions (built-in navigation and
// preferences, extension commands, views adding their own) and the palette shows whatever they give.
// Adding an action means registering a provider, not editing the palette.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api, ApiError } from '../api/http.ts';
import { i18n } from '../i18n/index.ts';
import type { JsonValue } from '../api/types.ts';
import { useContributionsStore } from './contributions.ts';
import { useNotificationsStore } from './notifications.ts';

export interface PaletteAction {
  id: string;
  title: string;
  /** Shown beside the title and used for grouping (e.g. "Go to", "Extension: penny.echo-table"). */
  group: string;
  /** Extra words that should find this action. */
  keywords?: string;
  shortcut?: string;
  run(): void | Promise<void>;
}

export type ActionProvider = () => PaletteAction[];

export interface Disposable {
  dispose(): void;
}

function describeResult(result: JsonValue): string {
  if (result === null) return i18n.global.t('palette.commandDone');
  return typeof result === 'string' ? result : JSON.stringify(result);
}

export const useCommandsStore = defineStore('commands', () => {
  const contributions = useContributionsStore();
  const notifications = useNotificationsStore();
  const providers = shallowRef<ActionProvider[]>([]);
  const open = ref(false);

  function register(provider: ActionProvider): Disposable {
    providers.value = [...providers.value, provider];
    return { dispose: () => (providers.value = providers.value.filter((p) => p !== provider)) };
  }

  async function runContributed(id: string, title: string): Promise<void> {
    try {
      const { result } = await api.post<{ result: JsonValue }>(`/v1/commands/${encodeURIComponent(id)}/run`, { args: [] });
      notifications.success(i18n.global.t('palette.commandResult', { title, result: describeResult(result) }));
    } catch (error) {
      notifications.error(error instanceof ApiError && error.message ? error.message : i18n.global.t('errors.unexpected'));
    }
  }

  // Commands contributed by the tenant's extensions, run in the extension host by the kernel.
  register(() =>
    contributions.commands.map((command) => ({
      id: `extension:${command.id}`,
      title: command.title,
      group: command.category ?? i18n.global.t('palette.extensionGroup', { extension: command.extensionId }),
      keywords: `${command.id} ${command.extensionId}`,
      run: () => runContributed(command.id, command.title),
    })),
  );

  const actions = computed(() => providers.value.flatMap((provide) => provide()));

  return { open, actions, register, toggle: () => (open.value = !open.value) };
});
