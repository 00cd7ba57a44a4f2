/*
 * Parameters of the operations written by hand (wildcard routes, HEAD, signed URLs) and of
 * routes' `detail`, in the contract's key order: name, in, required, description, schema,
 * then an example. A path parameter is always required; a header never is.
 */

export const pathParameter = (name: string, description: string, schema: object = { type: "string" }, extra = {}) => ({
  name,
  in: "path" as const,
  required: true,
  description,
  schema,
  ...extra,
});

export const queryParameter = (
  name: string,
  description: string,
  required = false,
  schema: object = { type: "string" },
) => ({
  name,
  in: "query" as const,
  required,
  description,
  schema,
});

export const headerParameter = (name: string, description: string, extra = {}) => ({
  name,
  in: "header" as const,
  required: false,
  description,
  schema: { type: "string" as const },
  ...extra,
});
