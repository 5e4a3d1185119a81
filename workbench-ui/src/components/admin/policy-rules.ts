// Converting between the policy's JSON (absent, true, false, { allow }) and the form's choice of
// "any", "none" or "only these".
import type { PermissionRule } from '../../api/types.ts';

export type RuleMode = 'any' | 'none' | 'only';

export interface RuleDraft {
  mode: RuleMode;
  /** One entry per line. */
  list: string;
}

export function draftOf(rule: PermissionRule | { allow: string[] } | undefined): RuleDraft {
  if (rule === undefined || rule === true) return { mode: 'any', list: '' };
  if (rule === false) return { mode: 'none', list: '' };
  return { mode: 'only', list: rule.allow.join('\n') };
}

export function entriesOf(list: string): string[] {
  return [...new Set(list.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean))];
}

/** For secrets, datasources and sidecars; `undefined` means the member is left out (any). */
export function ruleOf(draft: RuleDraft): PermissionRule | undefined {
  if (draft.mode === 'any') return undefined;
  if (draft.mode === 'none') return false;
  return { allow: entriesOf(draft.list) };
}

/** For network and publishers, which only know "any" (absent) or an allow-list ("none" is empty). */
export function allowListOf(draft: RuleDraft): { allow: string[] } | undefined {
  if (draft.mode === 'any') return undefined;
  return { allow: draft.mode === 'none' ? [] : entriesOf(draft.list) };
}
