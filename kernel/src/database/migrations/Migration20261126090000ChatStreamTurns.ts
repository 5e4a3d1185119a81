// Each turn of a conversation numbers its stream events from its own base (turn number × span), so
// kernels that answer turns of one conversation never hand out the same sequence number twice.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261126090000ChatStreamTurns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE conversation ADD COLUMN stream_turns bigint NOT NULL DEFAULT 0;`);
  }
}
