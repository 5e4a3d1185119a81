// "Are you sure?" for destructive actions, asked through one dialog (ConfirmDialog.vue) and answered
// as a promise, so actions read top to bottom: `if (!(await confirm.ask(...))) return;`.
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
}

interface Pending extends ConfirmRequest {
  resolve(answer: boolean): void;
}

export const useConfirmationsStore = defineStore('confirmations', () => {
  const pending = shallowRef<Pending | null>(null);

  function ask(request: ConfirmRequest): Promise<boolean> {
    pending.value?.resolve(false);
    return new Promise((resolve) => {
      pending.value = { ...request, resolve };
    });
  }

  function answer(value: boolean): void {
    const current = pending.value;
    pending.value = null;
    current?.resolve(value);
  }

  return { pending, ask, answer };
});
