// Short messages for the user (saved, copied, failed), read out by screen readers through the
// live region in ToastRegion.vue. Errors carry the kernel's problem detail.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type NoticeKind = 'success' | 'info' | 'error';

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

const LIFETIME_MS: Record<NoticeKind, number> = { success: 4000, info: 6000, error: 10000 };

export const useNotificationsStore = defineStore('notifications', () => {
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function notify(kind: NoticeKind, text: string): void {
    const notice = { id: nextId++, kind, text };
    notices.value = [...notices.value.slice(-4), notice];
    window.setTimeout(() => dismiss(notice.id), LIFETIME_MS[kind]);
  }

  return {
    notices,
    dismiss,
    success: (text: string) => notify('success', text),
    info: (text: string) => notify('info', text),
    error: (text: string) => notify('error', text),
  };
});
