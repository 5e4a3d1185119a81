// Per-tenant settings of an installed extension (validated against its `contributes.configuration`).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261125050000ExtensionSettings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE extension_installation ADD COLUMN configuration jsonb NOT NULL DEFAULT '{}'::jsonb;`);
  }
}
