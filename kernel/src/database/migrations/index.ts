// Every migration, in the order it must run. Migrations are checked in and applied at start.
import { Migration20261125000000Foundation } from './Migration20261125000000Foundation.ts';
import { Migration20261125010000Extensions } from './Migration20261125010000Extensions.ts';
import { Migration20261125030000Chat } from './Migration20261125030000Chat.ts';
import { Migration20261125050000ExtensionSettings } from './Migration20261125050000ExtensionSettings.ts';
import { Migration20261125040000CompanyData } from './Migration20261125040000CompanyData.ts';
import { Migration20261126060000UserPreferences } from './Migration20261126060000UserPreferences.ts';
import { Migration20261126070000ArtifactShares } from './Migration20261126070000ArtifactShares.ts';
import { Migration20261126090000ChatStreamTurns } from './Migration20261126090000ChatStreamTurns.ts';

export const MIGRATIONS = [
  { name: 'Migration20261125000000Foundation', class: Migration20261125000000Foundation },
  { name: 'Migration20261125010000Extensions', class: Migration20261125010000Extensions },
  { name: 'Migration20261125030000Chat', class: Migration20261125030000Chat },
  { name: 'Migration20261125040000CompanyData', class: Migration20261125040000CompanyData },
  { name: 'Migration20261125050000ExtensionSettings', class: Migration20261125050000ExtensionSettings },
  { name: 'Migration20261126060000UserPreferences', class: Migration20261126060000UserPreferences },
  { name: 'Migration20261126070000ArtifactShares', class: Migration20261126070000ArtifactShares },
  { name: 'Migration20261126090000ChatStreamTurns', class: Migration20261126090000ChatStreamTurns },
];
