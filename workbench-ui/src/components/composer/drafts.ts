// Composer drafts stay in this browser, per user (and per tab: prompt or Python), until cleared.
export type DraftKind = 'prompt' | 'python';

const key = (userId: string, kind: DraftKind) => `penny.composer.${userId}.${kind}`;

export function loadDraft(userId: string, kind: DraftKind): string {
  try {
    return localStorage.getItem(key(userId, kind)) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(userId: string, kind: DraftKind, text: string): void {
  try {
    if (text) localStorage.setItem(key(userId, kind), text);
    else localStorage.removeItem(key(userId, kind));
  } catch {
    // Storage full or disabled: the draft lives on in the page until it is closed.
  }
}
