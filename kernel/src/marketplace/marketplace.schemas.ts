// JSON Schemas of the marketplace's request and response bodies.
import { nullableTimestamp, object, timestamp, type JsonSchema } from '../http/schemas.ts';
import { extensionPolicySchema } from './tenant-policy.ts';

const text: JsonSchema = { type: 'string' };
const strings: JsonSchema = { type: 'array', items: text };
const list = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

export const extensionIdPattern = '^[a-z0-9][a-z0-9-]{0,63}\\.[a-z0-9][a-z0-9-]{0,63}$';
export const extensionId: JsonSchema = { type: 'string', pattern: extensionIdPattern };
export const version: JsonSchema = { type: 'string', minLength: 5, maxLength: 64, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.+-]*)?$' };
export const keyId: JsonSchema = { type: 'string', pattern: '^ed25519:[0-9a-f]{32}$' };

export const extensionIdParams = object({ extensionId });
export const keyIdParams = object({ keyId });

export const permissionSet = object({ network: strings, secrets: strings, datasources: strings, sidecars: strings });

const acceptedList: JsonSchema = { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 253 } };
/** What the admin accepts; a missing kind means none of it. */
export const acceptPermissions = object({ network: acceptedList, secrets: acceptedList, datasources: acceptedList, sidecars: acceptedList }, []);

const item = object({ id: text, title: text });
export const contributions = object(
  Object.fromEntries(['tools', 'modelProviders', 'artifactRenderers', 'widgets', 'dashboards', 'commands', 'themes', 'sidecars'].map((point) => [point, list(item)])),
);

const versionProperties: Record<string, JsonSchema> = {
  extensionId: text,
  version: text,
  publisher: text,
  name: text,
  displayName: text,
  description: text,
  engines: text,
  keyId: text,
  sha256: text,
  size: { type: 'integer' },
  publishedAt: timestamp,
  permissions: permissionSet,
  contributions,
  trusted: { type: 'boolean' },
};
export const catalogVersion = object(versionProperties);
export const catalogExtension = object({ ...versionProperties, versions: strings, installedVersion: { type: ['string', 'null'] } });

const keyProperties: Record<string, JsonSchema> = { keyId: text, publisher: text, label: text, isPlatform: { type: 'boolean' }, publicKey: text, addedAt: timestamp };
export const publisherKey = object(keyProperties);
export const trustedKey = object({ ...keyProperties, implicit: { type: 'boolean' }, trustedAt: nullableTimestamp });

export const registerKeyBody = object({
  publisher: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
  key: object(
    {
      type: { type: 'string', const: 'penny-public-key' },
      algorithm: { type: 'string', const: 'ed25519' },
      keyId,
      name: { type: 'string', maxLength: 200 },
      publicKey: { type: 'string', minLength: 44, maxLength: 44 },
    },
    ['type', 'algorithm', 'publicKey'],
  ),
});

export const installation = object({
  extensionId: text,
  version: text,
  publisher: text,
  displayName: text,
  description: text,
  status: { type: 'string', enum: ['enabled', 'disabled'] },
  enabled: { type: 'boolean' },
  disabledReason: { type: ['string', 'null'] },
  permissions: permissionSet,
  contributions,
  keyId: text,
  trusted: { type: 'boolean' },
  installedAt: timestamp,
  updatedAt: timestamp,
  latestVersion: text,
  updateAvailable: { type: 'boolean' },
  updateRequiresAcceptance: { type: 'boolean' },
});

export const installBody = object({ extensionId, version, acceptPermissions }, ['extensionId']);
export const updateBody = object({ version, acceptPermissions }, []);
export const rollbackBody = object({ version, acceptPermissions }, ['version']);
export const disableBody = object({ reason: { type: 'string', maxLength: 500 } }, []);

export const policy = extensionPolicySchema;
export const policyChange = object({ policy: extensionPolicySchema, disabled: list(object({ extensionId: text, reason: text })) });

export const importBody = object({ path: { type: 'string', minLength: 1, maxLength: 4096 } });
export const mirrorImport = object({
  directory: text,
  published: { type: 'integer' },
  unchanged: { type: 'integer' },
  refused: { type: 'integer' },
  files: list(
    object(
      {
        file: text,
        status: { type: 'string', enum: ['published', 'unchanged', 'refused'] },
        extensionId: text,
        version: text,
        code: text,
        reason: text,
        detail: text,
      },
      ['file', 'status'],
    ),
  ),
});
