// Contribution points that shape the kernel's start and stop, and the Disposable idiom.

export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/**
 * Features that must do work when the kernel starts or stops bind this.
 * `order` sorts start-up ascending (stop runs in reverse): the database is 10, services 50, HTTP 100.
 */
export interface LifecycleContribution {
  readonly order: number;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
export const LifecycleContribution = Symbol('LifecycleContribution');
