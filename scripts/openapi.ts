import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import openapiTS from "openapi-typescript";
import { createApp } from "../src/app";
import { ConfigStore, parseConfig } from "../src/config";
import { buildServices } from "../src/services";
import { createHandler } from "../src/http/handler";
import { memoryLogger } from "../src/lib/logger";

/**
 * The OpenAPI document lightd serves at /swagger/json, and the TypeScript types generated from
 * it (openapi-typescript) that `openapi-fetch` clients use:
 *
 *   bun scripts/openapi.ts            writes clients/lightd-api.d.ts (and prints the document with --json)
 *   bun scripts/openapi.ts --check    exits 1 when clients/lightd-api.d.ts is out of date
 */

export const TYPES_PATH = resolve(import.meta.dir, "../clients/lightd-api.d.ts");

export const THROWAWAY_MASTER = "lightd_openapi_document_0123456789";

/** An in-process lightd on a throwaway data dir, answering through the server's own request handler. */
export function throwawayServer(): { handle: (request: Request) => Promise<Response>; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), "lightd-openapi-"));
  const config = parseConfig({ authorization: { token: THROWAWAY_MASTER }, signing_secret: "x".repeat(32) }, "openapi");
  const ctx = buildServices({ config: new ConfigStore(config, join(dir, "config.json")), dataDir: dir, logger: memoryLogger() });
  const handler = createHandler(createApp(ctx), {
    maxBodyBytes: () => config.server.max_body_bytes,
    logger: ctx.logger,
  });
  return {
    handle: async (request) => handler(request),
    close() {
      ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The document exactly as a running lightd serves it. */
export async function currentDocument(): Promise<Record<string, unknown>> {
  const server = throwawayServer();
  try {
    const res = await server.handle(new Request("http://localhost/swagger/json"));
    return (await res.json()) as Record<string, unknown>;
  } finally {
    server.close();
  }
}

export async function generateTypes(doc: Record<string, unknown>): Promise<string> {
  const types = await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0]);
  return `// Generated from lightd's OpenAPI document by 'bun scripts/openapi.ts' (openapi-typescript). Do not edit.\n${types}`;
}

if (import.meta.main) {
  const doc = await currentDocument();
  if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  const types = await generateTypes(doc);
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(TYPES_PATH, "utf8");
    } catch {}
    if (committed !== types) {
      process.stderr.write(`${TYPES_PATH} is out of date: run 'bun scripts/openapi.ts'\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(TYPES_PATH, types);
  }
}
