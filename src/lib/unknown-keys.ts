/** The parts of a JSON Schema (TypeBox) needed to know which object keys it declares. */
interface SchemaShape {
  type?: unknown;
  properties?: Record<string, SchemaShape>;
  anyOf?: SchemaShape[];
  items?: SchemaShape;
}

/**
 * Keys of `value` that `schema` does not declare, as dotted paths (`server.srever`,
 * `storage.s3.bucekt`). A JSON document validated by a schema that ignores extra keys would
 * otherwise drop a misspelt setting silently, leaving the operator believing it is on.
 */
export function unknownKeys(schemaObject: object, value: unknown, path = ""): string[] {
  const schema = schemaObject as SchemaShape;
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.flatMap((item, i) => unknownKeys(items, item, `${path}[${i}]`)) : [];
  }
  const shapes = (schema.anyOf ?? [schema]).filter((s) => s.type === "object" && s.properties);
  if (shapes.length === 0) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const where = path === "" ? key : `${path}.${key}`;
    const declared = shapes.map((s) => s.properties?.[key]).find((s) => s !== undefined);
    if (declared === undefined) out.push(where);
    else out.push(...unknownKeys(declared, child, where));
  }
  return out;
}
