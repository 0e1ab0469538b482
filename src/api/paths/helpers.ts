/** The pieces every resource's OpenAPI paths are built from: JSON Schema from zod, error answers, parameters. */
import { z } from 'zod';
import { idempotencyKeyHeader } from '../../shared/contract/common';

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, without the per-document `$schema` key. */
export function schema(s: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...js } = z.toJSONSchema(s, { target: 'draft-2020-12' });
  return js;
}

export const json = (s: object) => ({ 'application/json': { schema: s } });
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
export const ok = (description: string, s: z.ZodType | { $ref: string }) => ({ description, content: json(s instanceof z.ZodType ? schema(s) : s) });

export const pathParameter = (name: string, s: z.ZodType) => ({ name, in: 'path', required: true, schema: schema(s) });
export const idempotencyHeader = { name: 'Idempotency-Key', in: 'header', schema: schema(idempotencyKeyHeader) };

/** Query parameters from a zod object schema (the same one the route parses with). */
export function queryParameters(obj: z.ZodObject) {
  const js = schema(obj) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (js.required ?? []).includes(name) && !('default' in s),
    schema: s,
  }));
}
