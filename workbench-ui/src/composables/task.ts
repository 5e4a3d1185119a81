// A piece of async work a view starts (load a list, submit a form): whether it runs, and what went
// wrong, so templates can show a spinner or the kernel's detail where the work was started.
import { ref, type Ref } from 'vue';

export interface Task<A extends unknown[]> {
  busy: Ref<boolean>;
  error: Ref<unknown>;
  /** Resolves true when the work succeeded; the error is kept in `error` otherwise. */
  run(...args: A): Promise<boolean>;
}

export function useTask<A extends unknown[]>(work: (...args: A) => Promise<unknown>): Task<A> {
  const busy = ref(false);
  const error = ref<unknown>(null);
  async function run(...args: A): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await work(...args);
      return true;
    } catch (caught) {
      error.value = caught;
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
