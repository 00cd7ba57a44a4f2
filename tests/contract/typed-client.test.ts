import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { paths } from "../../clients/lightd-api";
import { currentDocument, generateTypes, THROWAWAY_MASTER, TYPES_PATH, throwawayServer } from "../../scripts/openapi";

/**
 * A client typed from the contract: clients/lightd-api.d.ts is generated from /swagger/json by
 * openapi-typescript and used here with openapi-fetch. The types are committed, so `npm run lint`
 * (tsc) checks this file against them and a change to the API shows up in review as a diff of
 * its types; the first test fails until they are regenerated with `bun scripts/openapi.ts`.
 */

let server: ReturnType<typeof throwawayServer>;
beforeAll(() => {
  server = throwawayServer();
});
afterAll(() => server.close());

const client = () =>
  createClient<paths>({
    baseUrl: "http://localhost",
    headers: { authorization: `Bearer ${THROWAWAY_MASTER}` },
    fetch: (request: Request) => server.handle(request),
  });

test("the committed types are generated from the document the server serves", async () => {
  const fresh = await generateTypes(await currentDocument());
  if (readFileSync(TYPES_PATH, "utf8") !== fresh) {
    throw new Error(
      "clients/lightd-api.d.ts is out of date with the API: run `npx bun scripts/openapi.ts` and commit it",
    );
  }
});

test("upload, read, list and delete through the typed client; the answers have the documented types", async () => {
  const api = client();
  const put = await api.PUT("/files/{path}", {
    params: { path: { path: "notes/typed.txt" }, query: { message: "from the typed client" } },
    body: "typed bytes",
    bodySerializer: (body) => body,
    headers: { "content-type": "text/plain" },
  });
  expect(put.response.status).toBe(200);
  const size: number = put.data?.size ?? -1;
  expect(size).toBe(11);

  const meta = await api.GET("/files/{path}", {
    params: { path: { path: "notes/typed.txt" }, header: { Accept: "application/json" } },
  });
  expect(meta.data).toMatchObject({ path: "notes/typed.txt", type: "file", content_type: "text/plain" });
  // The same operation answers the bytes with `?redirect=false`: the JSON answer is the object one.
  const etag: string | null | undefined = typeof meta.data === "object" ? meta.data.etag : undefined;
  expect(typeof etag).toBe("string");

  const stats = await api.GET("/files/stats");
  // Integers are numbers in the contract, so sizes add up.
  const total: number = (stats.data?.files ?? 0) + (stats.data?.bytes ?? 0);
  expect(total).toBe(1 + 11);

  const listing = await api.GET("/files", { params: { query: { prefix: "notes/", limit: 10 } } });
  expect(listing.data?.entries.map((e) => e.path)).toEqual(["notes/typed.txt"]);

  const conflict = await api.PUT("/files/{path}", {
    params: { path: { path: "notes/typed.txt" }, header: { "If-None-Match": "*" } },
    body: "again",
    bodySerializer: (body) => body,
    headers: { "content-type": "text/plain" },
  });
  expect(conflict.response.status).toBe(412);
  expect(conflict.error?.error).toBe("precondition_failed");

  const removed = await api.DELETE("/files/{path}", { params: { path: { path: "notes/typed.txt" } } });
  const deleted: number = removed.data?.deleted ?? -1;
  expect(deleted).toBe(1);

  const missing = await api.GET("/files/{path}", {
    params: { path: { path: "notes/typed.txt" }, header: { Accept: "application/json" } },
  });
  expect(missing.response.status).toBe(404);
  expect(missing.error).toMatchObject({ error: "not_found" });
});
