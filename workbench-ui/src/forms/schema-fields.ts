// A tool's JSON Schema `parameters` turned into form fields: strings (enums as choices), numbers,
// booleans and lists of strings get their own inputs; anything else is edited as JSON. The kernel
// validates the arguments again; this only catches what a form can catch before sending.
import type { JsonSchemaObject, JsonValue } from '../api/types.ts';

export type FieldKind = 'string' | 'text' | 'enum' | 'number' | 'integer' | 'boolean' | 'stringList' | 'json';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required: boolean;
  title: string;
  description: string;
  options: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: JsonValue;
}

/** What the inputs hold: text for strings, numbers and JSON; booleans; string arrays. */
export type FieldValue = string | boolean | string[];

export interface FieldProblem {
  /** An i18n key under `form.`, with its parameters. */
  key: 'required' | 'invalidJson' | 'notANumber' | 'notAnInteger' | 'tooFewItems' | 'tooManyItems' | 'belowMinimum' | 'aboveMaximum' | 'tooShort' | 'tooLong';
  params?: Record<string, number>;
}

const LONG_TEXT = 300;

function typeOf(schema: JsonSchemaObject): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

const num = (value: unknown) => (typeof value === 'number' ? value : undefined);

function kindOf(schema: JsonSchemaObject): FieldKind {
  const type = typeOf(schema);
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return 'enum';
  if (type === 'string') return (num(schema.maxLength) ?? 0) > LONG_TEXT || schema.format === 'textarea' ? 'text' : 'string';
  if (type === 'number') return 'number';
  if (type === 'integer') return 'integer';
  if (type === 'boolean') return 'boolean';
  if (type === 'array') {
    const items = schema.items as JsonSchemaObject | undefined;
    if (items && typeof items === 'object' && !Array.isArray(items) && typeOf(items) === 'string' && !items.enum) return 'stringList';
  }
  return 'json';
}

export function fieldsOf(parameters: JsonSchemaObject): FieldSpec[] {
  const properties = (parameters.properties ?? {}) as Record<string, JsonSchemaObject>;
  const required = new Set(Array.isArray(parameters.required) ? (parameters.required as string[]) : []);
  const fields = Object.entries(properties).map(([name, schema]) => {
    const items = (schema.items ?? {}) as JsonSchemaObject;
    const kind = kindOf(schema);
    return {
      name,
      kind,
      required: required.has(name),
      title: typeof schema.title === 'string' ? schema.title : name,
      description: typeof schema.description === 'string' ? schema.description : '',
      options: kind === 'enum' ? (schema.enum as string[]) : [],
      minimum: num(schema.minimum),
      maximum: num(schema.maximum),
      minLength: num(kind === 'stringList' ? items.minLength : schema.minLength),
      maxLength: num(kind === 'stringList' ? items.maxLength : schema.maxLength),
      minItems: num(schema.minItems),
      maxItems: num(schema.maxItems),
      default: schema.default as JsonValue | undefined,
    } satisfies FieldSpec;
  });
  // Required fields first, in schema order otherwise.
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

export function initialValue(field: FieldSpec): FieldValue {
  const preset = field.default;
  switch (field.kind) {
    case 'boolean':
      return preset === true;
    case 'stringList':
      return Array.isArray(preset) ? preset.map(String) : [''];
    case 'json':
      return preset === undefined ? '' : JSON.stringify(preset, null, 2);
    case 'enum':
      return typeof preset === 'string' ? preset : field.required ? (field.options[0] ?? '') : '';
    default:
      return preset === undefined || preset === null ? '' : String(preset);
  }
}

function parseField(field: FieldSpec, value: FieldValue): { value?: JsonValue; problem?: FieldProblem } {
  if (field.kind === 'boolean') return { value: value === true };
  if (field.kind === 'stringList') {
    const items = (value as string[]).map((s) => s.trim()).filter(Boolean);
    if (!items.length) return field.required ? { problem: { key: 'required' } } : {};
    if (field.minItems !== undefined && items.length < field.minItems) return { problem: { key: 'tooFewItems', params: { min: field.minItems } } };
    if (field.maxItems !== undefined && items.length > field.maxItems) return { problem: { key: 'tooManyItems', params: { max: field.maxItems } } };
    return { value: items };
  }
  const text = String(value);
  if (text.trim() === '') return field.required ? { problem: { key: 'required' } } : {};
  if (field.kind === 'number' || field.kind === 'integer') {
    const parsed = Number(text);
    if (!Number.isFinite(parsed)) return { problem: { key: 'notANumber' } };
    if (field.kind === 'integer' && !Number.isInteger(parsed)) return { problem: { key: 'notAnInteger' } };
    if (field.minimum !== undefined && parsed < field.minimum) return { problem: { key: 'belowMinimum', params: { min: field.minimum } } };
    if (field.maximum !== undefined && parsed > field.maximum) return { problem: { key: 'aboveMaximum', params: { max: field.maximum } } };
    return { value: parsed };
  }
  if (field.kind === 'json') {
    try {
      return { value: JSON.parse(text) as JsonValue };
    } catch {
      return { problem: { key: 'invalidJson' } };
    }
  }
  if (field.minLength !== undefined && text.length < field.minLength) return { problem: { key: 'tooShort', params: { min: field.minLength } } };
  if (field.maxLength !== undefined && text.length > field.maxLength) return { problem: { key: 'tooLong', params: { max: field.maxLength } } };
  return { value: text };
}

/** The arguments object to send, or the problems found per field. Empty optional fields are left out. */
export function toArguments(fields: FieldSpec[], values: Record<string, FieldValue>): { args: Record<string, JsonValue>; problems: Record<string, FieldProblem> } {
  const args: Record<string, JsonValue> = {};
  const problems: Record<string, FieldProblem> = {};
  for (const field of fields) {
    const result = parseField(field, values[field.name] ?? initialValue(field));
    if (result.problem) problems[field.name] = result.problem;
    else if (result.value !== undefined) args[field.name] = result.value;
  }
  return { args, problems };
}

/** Maps the kernel's validation paths (`arguments.rows.0`, `body.arguments.x`) to the field they concern. */
export function fieldOfPath(path: string): string | null {
  const match = /^(?:body\.)?arguments\.([^.[\]]+)/.exec(path);
  return match ? match[1]! : null;
}
