// echo_table: turns columns and rows into a table artifact and counts its calls in extension storage.
import type { JsonValue, PennyApi, TableData } from '@penny/manifests';

const TABLE_MIME = 'application/vnd.penny.table+json';

export function activate(penny: PennyApi): void {
  penny.tools.register('echo_table', async (args) => {
    const columns = (args.columns as string[]).map((name) => ({ name }));
    const rows = (args.rows as JsonValue[][]).map((row) => columns.map((_, i) => row[i] ?? null));
    const calls = (((await penny.storage.get('calls')) as number | undefined) ?? 0) + 1;
    await penny.storage.set('calls', calls);
    const table: TableData = { columns, rows };
    return {
      content: { rows: rows.length, columns: columns.length, calls },
      artifacts: [{ mimeType: TABLE_MIME, title: typeof args.title === 'string' ? args.title : 'Table', data: table as unknown as JsonValue }],
    };
  });
  penny.commands.register('echo-table.count', async () => ((await penny.storage.get('calls')) as number | undefined) ?? 0);
}
