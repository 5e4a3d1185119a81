// JSON Schema (Ajv) errors as the problem documents' `errors`: a dotted path under a root the caller
// names (`body`, `arguments`, `values`…) and a message. One translation for every place that checks
// input against a schema; only the wording of an unknown member differs by place.
import type { ErrorObject } from 'ajv';

export interface FieldError {
  path: string;
  message: string;
}

export interface FieldErrorWording {
  /**
   * How an unknown member is said: `'in path'` names it in the path (`body.extra is not an allowed
   * field`); a function words the message (`arguments has an unknown field "extra"`).
   */
  unknownMember?: 'in path' | ((name: string) => string);
  /** Add the allowed values to an enum error. */
  listAllowedValues?: boolean;
}

export function fieldErrors(errors: readonly ErrorObject[] | null | undefined, root: string, wording: FieldErrorWording = {}): FieldError[] {
  const unknownMember = wording.unknownMember ?? 'in path';
  return (errors ?? []).map((e) => {
    const at = `${root}${e.instancePath.replace(/\//g, '.')}`;
    const params = e.params as { additionalProperty?: string; missingProperty?: string; allowedValues?: unknown[] };
    if (e.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      return unknownMember === 'in path' ? { path: `${at}.${name}`, message: 'is not an allowed field' } : { path: at, message: unknownMember(name) };
    }
    if (e.keyword === 'required') return { path: `${at}.${String(params.missingProperty)}`, message: e.message ?? 'is required' };
    const allowed = wording.listAllowedValues && e.keyword === 'enum' && params.allowedValues ? ` (${params.allowedValues.join(', ')})` : '';
    return { path: at, message: `${e.message ?? 'is invalid'}${allowed}` };
  });
}

/** `path message; path message`, for a problem's detail. */
export const describeFieldErrors = (errors: FieldError[]): string => errors.map((e) => `${e.path} ${e.message}`).join('; ');
