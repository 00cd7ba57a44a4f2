import type { DocumentDecoration } from "elysia";
import { ERROR_CATALOGUE, type ErrorCode } from "../../errors";
import { type ErrorForm, errorFormOf } from "../error-form";
import { anyCredential, components, errorCodeOf, errorRef } from "./components";
import { cleanSchemas, type Json } from "./schema";

type Operation = { [key: string]: Json };
type PathItem = { [method: string]: Operation };
export type Paths = { [path: string]: PathItem };
/** Hand-written path items, in OpenAPI 3.1 (plain objects; checked by `redocly lint` in the tests). */
export type ExtraPaths = { [path: string]: { [method: string]: object } };
/** Schemas the contract names in `components.schemas` (the `t` models), so clients get them as types. */
export type NamedSchemas = { [name: string]: object };

/**
 * A hand-written `detail` for a route: Elysia types `detail` as OpenAPI 3.0, while lightd's
 * contract is 3.1 (binary bodies, `examples` arrays), so the object is passed through as is.
 */
export const openApiDetail = (detail: object) => detail as DocumentDecoration;

/** What the swagger plugin puts on every body: three media types of which lightd parses one. */
const PLUGIN_MEDIA_TYPES = ["application/json", "multipart/form-data", "text/plain"];
/** Answers that never carry a body (a protocol switch, no content, not modified). */
const BODYLESS = new Set(["101", "204", "304"]);
const RESPONSE_FIELDS = ["description", "headers", "content", "links"];
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const SUCCESS: Record<string, string> = {
  "101": "Switching protocols",
  "200": "OK",
  "201": "Created",
  "204": "No content",
  "302": "Redirect",
};

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `{json, multipart, text}` from the plugin becomes what lightd really parses or sends: JSON,
 * or the media types a route lists (`types`, from `detail["x-media-types"]`). A string schema
 * with `contentMediaType` (`t.String({ contentMediaType: "text/html" })`) is sent as that type.
 */
function realMediaTypes(content: Json | undefined, types = ["application/json"]): Json | undefined {
  if (!isObject(content)) return content;
  const given = Object.keys(content);
  if (given.length !== PLUGIN_MEDIA_TYPES.length || !PLUGIN_MEDIA_TYPES.every((t) => given.includes(t))) return content;
  const media = content["application/json"];
  const schema = isObject(media) ? media.schema : undefined;
  if (isObject(schema) && schema.type === "string" && typeof schema.contentMediaType === "string") {
    const { contentMediaType, ...rest } = schema;
    return { [contentMediaType]: { schema: rest } };
  }
  return Object.fromEntries(types.map((type) => [type, media as Json]));
}

function isPublic(operation: Operation): boolean {
  return Array.isArray(operation.security) && operation.security.length === 0;
}

/**
 * The errors every route of a kind can answer, besides those it declares: the Accept rule
 * runs on every request (406); the auth guard answers 401 and charges each credential's
 * rate budget (429); a JSON body can be malformed or too large (400, 413), a form too large (413).
 */
function crossCuttingErrors(operation: Operation): ErrorCode[] {
  const codes: ErrorCode[] = ["not_acceptable"];
  if (!isPublic(operation)) codes.push("unauthorized", "rate_limited");
  const body = operation.requestBody;
  if (isObject(body) && isObject(body.content) && "application/json" in body.content) {
    codes.push("bad_request", "payload_too_large");
  }
  // Forms are read in memory too, under the same cap (src/http/body-limit.ts).
  if (isObject(body) && isObject(body.content) && "application/x-www-form-urlencoded" in body.content) {
    codes.push("payload_too_large");
  }
  return codes;
}

/** The plugin copies a schema's `examples` array onto the parameter, where 3.1 wants a map: keep it on the schema. */
function parameterExamples(parameter: Json): Json {
  if (!isObject(parameter) || !Array.isArray(parameter.examples)) return parameter;
  const { examples, ...rest } = parameter;
  return { ...rest, schema: { ...(isObject(rest.schema) ? rest.schema : {}), examples } };
}

/** A HEAD answer has no body: its errors are described by status and code alone. */
function bodyless(response: Json): Json {
  if (!isObject(response)) return response;
  const ref = typeof response.$ref === "string" ? response.$ref : undefined;
  const code = ref?.slice(ref.lastIndexOf("/") + 1) as ErrorCode | undefined;
  if (code && code in ERROR_CATALOGUE)
    return { description: `\`${code}\`: ${ERROR_CATALOGUE[code].message} (no body)` };
  const { content: _, ...rest } = response;
  return rest;
}

/**
 * An error answer a route declares with a body other than lightd's `{error, message}` (RFC 6749
 * and RFC 7591 errors, `{error, error_description}`, on the OAuth routes), or also as a page
 * (the authorization endpoint's refusals), keeps its own description.
 */
function hasOwnErrorBody(response: Json | undefined): boolean {
  if (!isObject(response) || !isObject(response.content)) return false;
  if ("text/html" in response.content) return true;
  const media = response.content["application/json"];
  const schema = isObject(media) ? media.schema : undefined;
  return isObject(schema) && Array.isArray(schema.required) && !schema.required.includes("message");
}

function normaliseOperation(method: string, operation: Operation, form: ErrorForm): Operation {
  const out: Operation = { ...operation };
  if (Array.isArray(out.parameters)) {
    if (out.parameters.length === 0) delete out.parameters;
    else out.parameters = out.parameters.map(parameterExamples);
  }
  const bodyTypes = out["x-media-types"];
  delete out["x-media-types"];
  if (isObject(out.requestBody)) {
    const types = Array.isArray(bodyTypes) ? bodyTypes.filter((t): t is string => typeof t === "string") : undefined;
    out.requestBody = { ...out.requestBody, content: realMediaTypes(out.requestBody.content, types) ?? {} };
  }
  const responses: { [status: string]: Json } = {};
  for (const [status, given] of Object.entries(isObject(out.responses) ? out.responses : {})) {
    const code = errorCodeOf(Number(status));
    if (code && !hasOwnErrorBody(given)) {
      responses[status] = errorRef(code, form);
      continue;
    }
    if (isObject(given) && "$ref" in given) {
      responses[status] = given;
      continue;
    }
    // The plugin copies the schema's own keywords (contentMediaType, …) onto the response: keep only response fields.
    const response: { [key: string]: Json } = {};
    for (const field of RESPONSE_FIELDS) {
      if (isObject(given) && given[field] !== undefined) response[field] = given[field] as Json;
    }
    const content = BODYLESS.has(status) ? undefined : realMediaTypes(response.content);
    if (content === undefined || (isObject(content) && Object.keys(content).length === 0)) delete response.content;
    else response.content = content;
    response.description ??= SUCCESS[status] ?? "Success";
    if (status === "302" && response.headers === undefined) {
      response.headers = { Location: { description: "Where to go next", schema: { type: "string" } } };
    }
    responses[status] = response;
  }
  for (const code of crossCuttingErrors(out)) {
    responses[String(ERROR_CATALOGUE[code].status)] ??= errorRef(code, form);
  }
  const sorted = Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b));
  out.responses = Object.fromEntries(method === "head" ? sorted.map(([s, r]) => [s, bodyless(r)]) : sorted);
  return out;
}

/**
 * The OpenAPI 3.1 contract from what the swagger plugin generates out of the routes' `t`
 * models: schemas in the 3.1 dialect, JSON as the only parsed body type, every response
 * described, errors as the catalogue's shared responses (with the ones every route of a
 * kind can answer), every credential scheme, and the operations the plugin cannot see
 * (wildcard routes, HEAD) from `extraPaths`, merged per method.
 */
export function contractDocument(
  raw: { [key: string]: Json },
  extraPaths: ExtraPaths,
  named: NamedSchemas = {},
): { [key: string]: Json } {
  const paths: Paths = {};
  const merged: Paths = { ...(raw.paths as Paths) };
  for (const [path, item] of Object.entries(extraPaths)) merged[path] = { ...merged[path], ...(item as PathItem) };
  for (const [path, item] of Object.entries(merged)) {
    const out: PathItem = {};
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) out[method] = normaliseOperation(method, cleanSchemas(operation) as Operation, errorFormOf(path));
    }
    paths[path] = out;
  }
  const { components: _c, security: _s, openapi: _o, paths: _p, servers: _v, ...rest } = raw;
  const schemas = Object.fromEntries(
    Object.entries(named).map(([name, schema]) => [name, cleanSchemas(JSON.parse(JSON.stringify(schema)))]),
  );
  const referenced = referToNamed(paths, schemas) as Paths;
  const used = JSON.stringify(referenced);
  const all = components();
  return {
    openapi: "3.1.0",
    ...rest,
    // Relative: the document describes whichever lightd serves it.
    servers: [{ url: "/", description: "This lightd server" }],
    security: anyCredential,
    paths: referenced,
    components: {
      securitySchemes: all.securitySchemes,
      schemas: { ...all.schemas, ...schemas },
      // Only the error answers some operation can give.
      responses: Object.fromEntries(
        Object.entries(all.responses).filter(([code]) => used.includes(`"#/components/responses/${code}"`)),
      ),
    } as unknown as Json,
  };
}

/**
 * Every inline schema equal to a named one becomes a `$ref` to it: the routes declare their
 * models inline (the swagger plugin copies them), the contract names the shared ones once.
 */
function referToNamed(node: Json, schemas: { [name: string]: Json }): Json {
  const byText = new Map(Object.entries(schemas).map(([name, schema]) => [JSON.stringify(schema), name]));
  const walk = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(walk);
    if (!isObject(value)) return value;
    if (value.type === "object") {
      const name = byText.get(JSON.stringify(value));
      if (name !== undefined) return { $ref: `#/components/schemas/${name}` };
    }
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
  };
  return walk(node);
}
