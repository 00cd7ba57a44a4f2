/**
 * Elysia's `t.Integer`, `t.Numeric` and `t.Boolean` accept their value as a string too (query
 * strings are text), and the generated document shows that as `string | integer`. Over the
 * wire lightd sends real JSON numbers and booleans, and a query parameter's schema already
 * means its serialised form, so the contract keeps only the real type.
 */
const COERCED_FORMATS = new Set(["integer", "numeric", "boolean", "date", "date-time", "ObjectString", "ArrayString"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isCoercion(node: Json | undefined): boolean {
  return (
    typeof node === "object" &&
    node !== null &&
    !Array.isArray(node) &&
    node.type === "string" &&
    typeof node.format === "string" &&
    COERCED_FORMATS.has(node.format)
  );
}

/**
 * Rewrites schemas (anywhere in a document) as JSON Schema 2020-12, the dialect of OpenAPI 3.1:
 * `string | integer` coercions collapse to the real type, and the 3.0 `nullable` keyword goes
 * (TypeBox already spells null as `anyOf: [T, {type: "null"}]`).
 */
export function cleanSchemas(node: Json): Json {
  if (Array.isArray(node)) return node.map(cleanSchemas);
  if (node === null || typeof node !== "object") return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "nullable" && typeof value === "boolean") continue;
    out[key] = cleanSchemas(value);
  }
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.some(isCoercion)) {
    const real = anyOf.filter((s) => !isCoercion(s));
    if (real.length === 1 && typeof real[0] === "object" && real[0] !== null && !Array.isArray(real[0])) {
      const { anyOf: _, ...outer } = out;
      // The outer keywords (description, default, bounds) were copied from the real branch.
      return { ...outer, ...real[0] };
    }
    out.anyOf = real;
  }
  return out;
}

export type { Json };
