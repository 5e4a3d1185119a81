// What the permission review shows: a catalog version, or the newest version of an installed one.
import type { ContributionSummary, PermissionSet } from '../../api/types.ts';

export interface ReviewSubject {
  extensionId: string;
  displayName: string;
  version: string;
  publisher: string;
  description: string;
  keyId: string;
  trusted: boolean;
  permissions: PermissionSet;
  contributions: ContributionSummary;
}
