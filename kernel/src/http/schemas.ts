// JSON Schema building blocks shared by route files.

export type JsonSchema = Record<string, unknown>;

/** An object schema that refuses unknown members. */
export function object(properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

export const uuid: JsonSchema = { type: 'string', format: 'uuid' };
export const timestamp: JsonSchema = { type: 'string', format: 'date-time' };
export const nullableTimestamp: JsonSchema = { type: ['string', 'null'], format: 'date-time' };
export const email: JsonSchema = { type: 'string', format: 'email', maxLength: 254 };
export const role: JsonSchema = { type: 'string', enum: ['admin', 'manager', 'creator', 'viewer'] };
export const slug: JsonSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' };
export const name: JsonSchema = { type: 'string', minLength: 1, maxLength: 200 };
export const password: JsonSchema = { type: 'string', minLength: 12, maxLength: 1024 };

export const problem: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: { type: 'array', items: object({ path: { type: 'string' }, message: { type: 'string' } }) },
  },
  required: ['type', 'title', 'status', 'detail'],
};

/** Response map with the problem document for the usual error statuses. */
export function responses(ok: Record<number, JsonSchema>): Record<number | string, JsonSchema> {
  return { ...ok, '4xx': problem, '5xx': problem };
}

export const idParams = object({ id: uuid });
