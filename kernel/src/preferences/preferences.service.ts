// Preferences a user keeps in a tenant (a dashboard's layout, a panel's state): small JSON values
// under a key, readable and writable only by that user in that tenant. Keys with a known prefix are
// checked against that prefix's JSON Schema, so a broken client cannot store something the
// workbench will later choke on.
import { inject, injectable } from 'inversify';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeFieldErrors, fieldErrors } from '../core/schema-errors.ts';
import type { JsonValue } from '@penny/manifests';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { Database } from '../database/database.service.ts';
import type { Principal, TenantContext } from '../http/access.ts';

/** Largest stored value, as UTF-8 JSON. */
export const MAX_PREFERENCE_BYTES = 32 * 1024;
export const PREFERENCE_KEY_PATTERN = '^[a-z0-9][a-z0-9._:-]{0,127}$';

/** A widget's place on a dashboard's 12-column grid. */
const gridLayoutSchema = {
  type: 'object',
  properties: {
    widgets: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        properties: {
          widget: { type: 'string', minLength: 1, maxLength: 128 },
          x: { type: 'integer', minimum: 0, maximum: 11 },
          y: { type: 'integer', minimum: 0, maximum: 1000 },
          w: { type: 'integer', minimum: 1, maximum: 12 },
          h: { type: 'integer', minimum: 1, maximum: 24 },
        },
        required: ['widget', 'x', 'y', 'w', 'h'],
        additionalProperties: false,
      },
    },
  },
  required: ['widgets'],
  additionalProperties: false,
};

/** Value schemas by key prefix; keys without a listed prefix take any JSON within the size cap. */
const VALUE_SCHEMAS: { prefix: string; schema: object }[] = [{ prefix: 'dashboard.layout.', schema: gridLayoutSchema }];

export interface PreferenceView {
  key: string;
  value: JsonValue;
  updatedAt: string;
}

interface PreferenceRow {
  key: string;
  value: JsonValue;
  updated_at: Date;
}

const view = (row: PreferenceRow): PreferenceView => ({
  key: row.key,
  value: row.value,
  updatedAt: new Date(row.updated_at).toISOString(),
});

@injectable()
export class PreferencesService {
  private readonly validators: { prefix: string; validate: ValidateFunction }[];

  constructor(@inject(Database) private readonly db: Database) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    this.validators = VALUE_SCHEMAS.map(({ prefix, schema }) => ({ prefix, validate: ajv.compile(schema) }));
  }

  async list(tenant: TenantContext, user: Principal): Promise<PreferenceView[]> {
    const rows = await this.db.tenant(tenant.tenantId, (em) =>
      em.execute<PreferenceRow[]>(`SELECT key, value, updated_at FROM user_preference WHERE user_id = ? ORDER BY key`, [user.userId]),
    );
    return rows.map(view);
  }

  async get(tenant: TenantContext, user: Principal, key: string): Promise<PreferenceView> {
    const [row] = await this.db.tenant(tenant.tenantId, (em) =>
      em.execute<PreferenceRow[]>(`SELECT key, value, updated_at FROM user_preference WHERE user_id = ? AND key = ?`, [user.userId, key]),
    );
    if (!row) throw new NotFoundError(`No preference "${key}" is saved for you in this tenant.`);
    return view(row);
  }

  async set(tenant: TenantContext, user: Principal, key: string, value: JsonValue): Promise<PreferenceView> {
    this.check(key, value);
    const [row] = await this.db.tenant(tenant.tenantId, (em) =>
      em.execute<PreferenceRow[]>(
        `INSERT INTO user_preference (tenant_id, user_id, key, value, updated_at) VALUES (?, ?, ?, ?::jsonb, now())
         ON CONFLICT (tenant_id, user_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         RETURNING key, value, updated_at`,
        [tenant.tenantId, user.userId, key, JSON.stringify(value)],
      ),
    );
    return view(row!);
  }

  /** Forgets a preference; deleting one that is not there is not an error (the outcome is the same). */
  async delete(tenant: TenantContext, user: Principal, key: string): Promise<void> {
    await this.db.tenant(tenant.tenantId, (em) =>
      em.execute(`DELETE FROM user_preference WHERE user_id = ? AND key = ?`, [user.userId, key]),
    );
  }

  private check(key: string, value: JsonValue): void {
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > MAX_PREFERENCE_BYTES) {
      throw new ValidationError(`body.value is ${bytes} bytes of JSON; a preference holds at most ${MAX_PREFERENCE_BYTES}.`, [
        { path: 'body.value', message: `must be at most ${MAX_PREFERENCE_BYTES} bytes of JSON` },
      ]);
    }
    const known = this.validators.find((v) => key.startsWith(v.prefix));
    if (known && !known.validate(value)) {
      const errors = fieldErrors(known.validate.errors, 'body.value');
      throw new ValidationError(`"${key}" does not hold a valid value: ${describeFieldErrors(errors)}`, errors);
    }
  }
}
