import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { ROOT } from "../fixtures/binary";
import { makeTestApp } from "../fixtures/harness";
import { documentedOperations, fetchDocument, type OpenApiDocument, pathShape } from "../fixtures/openapi";

/**
 * `/swagger/json` is the contract: valid OpenAPI 3.1 by `redocly lint` (redocly.yaml), and
 * complete: every route the app serves is in it, except those marked `detail: { hide: true }`
 * (the docs UI itself). A new route without documentation fails here.
 */

let doc: OpenApiDocument;
const dir = mkdtempSync(join(tmpdir(), "lightd-openapi-"));
beforeAll(async () => {
  doc = await fetchDocument();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("redocly lint finds no problems in the document", async () => {
  const file = join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(doc));
  const lint = spawn([join(ROOT, "node_modules/.bin/redocly"), "lint", "--config", join(ROOT, "redocly.yaml"), file], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    lint.exited,
    new Response(lint.stdout).text(),
    new Response(lint.stderr).text(),
  ]);
  const report = `${out}\n${err}`;
  expect(report).toContain("Your API description is valid");
  expect(report).not.toMatch(/\d+ (errors?|warnings?)/);
  expect(code).toBe(0);
}, 60_000);

test("every route the app serves is in the document", async () => {
  const app = makeTestApp();
  try {
    const documented = new Set(documentedOperations(doc).map((o) => `${o.method} ${pathShape(o.path)}`));
    const missing = app.app.routes
      .filter((route) => (route.hooks?.detail as { hide?: boolean } | undefined)?.hide !== true)
      .map((route) => `${route.method} ${route.path}`)
      .filter((route) => !documented.has(pathShape(route)));
    // Document a new route with `t` models and `detail` (or by hand, like src/modules/files/openapi.ts);
    // only pages that are not API (the docs UI) are marked `detail: { hide: true }`.
    expect(missing).toEqual([]);
  } finally {
    await app.close();
  }
});

test("the document describes OpenAPI 3.1 with integers as integers and JSON-only parsed bodies", () => {
  expect(doc.openapi).toBe("3.1.0");
  const text = JSON.stringify(doc);
  // Elysia's query coercion (`string | integer`) must not leak into the contract.
  expect(text).not.toContain('"format":"integer"');
  expect(text).not.toContain('"nullable"');
  expect(text).not.toContain("multipart/form-data");
  for (const { method, path } of documentedOperations(doc)) {
    const op = doc.paths[path]?.[method.toLowerCase()];
    for (const [status, response] of Object.entries(op?.responses ?? {})) {
      const r = response as { description?: string; $ref?: string };
      expect({ at: `${method} ${path} ${status}`, described: !!(r.description || r.$ref) }).toEqual({
        at: `${method} ${path} ${status}`,
        described: true,
      });
    }
  }
  const stats = doc.paths["/files/stats"]?.get?.responses["200"] as {
    content: Record<string, { schema: { properties: Record<string, unknown> } }>;
  };
  // A size is an integer, not `string | integer`; a description beside the type is welcome.
  expect(stats.content["application/json"]?.schema.properties.bytes).toMatchObject({ type: "integer" });
  expect(stats.content["application/json"]?.schema.properties.version_bytes).toMatchObject({ type: "integer" });
});

test("the file operations, signed URLs and every credential scheme are described", () => {
  const files = doc.paths["/files/{path}"];
  expect(Object.keys(files ?? {}).sort()).toEqual(["delete", "get", "head", "put"]);
  expect(Object.keys(files?.get?.responses ?? {})).toEqual(expect.arrayContaining(["200", "302", "404"]));
  expect(Object.keys(files?.put?.requestBody?.content ?? {})).toContain("application/octet-stream");
  const blob = doc.paths["/blobs/{key}"]?.get?.responses ?? {};
  expect(Object.keys(blob)).toEqual(expect.arrayContaining(["200", "206", "304", "416"]));
  expect(Object.keys(doc.components.securitySchemes ?? {}).sort()).toEqual([
    "apiKey",
    "bearer",
    "queryToken",
    "sessionCookie",
  ]);
  expect(doc.paths["/api/v1/public/ping"]?.get?.security).toEqual([]);
});

test("a change event is one named schema, its path nullable: the log, the feed and clients share it", () => {
  const event = doc.components.schemas?.ChangeEvent as {
    required: string[];
    properties: Record<string, { anyOf?: { type: string }[] }>;
  };
  expect(event.required).toContain("path");
  expect(event.properties.path?.anyOf?.map((s) => s.type)).toEqual(["string", "null"]);
  expect(event.properties.dest?.anyOf?.map((s) => s.type)).toEqual(["string", "null"]);
  const log = doc.paths["/files/log"]?.get?.responses["200"] as {
    content: Record<string, { schema: { properties: { events: { items: unknown } } } }>;
  };
  expect(log.content["application/json"]?.schema.properties.events.items).toEqual({
    $ref: "#/components/schemas/ChangeEvent",
  });
  for (const feed of ["/events", "/ws/events"]) {
    expect(doc.paths[feed]?.get?.description).toContain("`ChangeEvent`");
  }
});
