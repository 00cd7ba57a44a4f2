import { afterAll, describe, expect, test } from "bun:test";
import { RESERVED_ROOT_NAMES } from "../../src/modules/files/reserved";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * One rule for the names the API uses under /files/: no path may start with one. Every
 * entry point that creates a path refuses it with the same 400, so a file that could never
 * be fetched at its URL is never made; the same names deeper in a path are ordinary.
 */
describe("reserved root names", () => {
  const t = makeTestApp();
  afterAll(() => t.close());

  // biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON response fields
  const json = async (res: Response) => (await res.json()) as Record<string, any>;

  test("the list is the documented one", () => {
    expect([...RESERVED_ROOT_NAMES].sort()).toEqual(
      [
        "stats",
        "search",
        "log",
        "mkdir",
        "move",
        "copy",
        "uploads",
        "share",
        "shares",
        "versions",
        "trash",
        "restore",
      ].sort(),
    );
  });

  test("every route the API serves under /files/ starts with a reserved name (a new route must add its name)", () => {
    const firsts = new Set(
      t.app.routes
        .map((route) => route.path)
        .filter((path) => path.startsWith("/files/") && path !== "/files/*")
        .map((path) => path.slice("/files/".length).split("/")[0] as string),
    );
    expect(firsts.size).toBeGreaterThan(5);
    for (const name of firsts) expect(RESERVED_ROOT_NAMES).toContain(name);
  });

  const entryPoints: [string, (name: string, app?: TestApp) => Promise<Response>][] = [
    ["PUT /files/{path}", (name, app = t) => app.request("PUT", `/files/${name}`, { body: "x" })],
    [
      "PUT /files/{path} into a reserved folder",
      (name, app = t) => app.request("PUT", `/files/${name}/inner.txt`, { body: "x" }),
    ],
    ["POST /files/uploads", (name, app = t) => app.request("POST", "/files/uploads", { json: { path: name } })],
    [
      "POST /files/uploads/multipart",
      (name, app = t) => app.request("POST", "/files/uploads/multipart", { json: { path: name } }),
    ],
    ["POST /files/mkdir", (name, app = t) => app.request("POST", "/files/mkdir", { json: { path: `${name}/` } })],
    [
      "POST /files/move",
      (name, app = t) => app.request("POST", "/files/move", { json: { from: "ok/src.txt", to: name } }),
    ],
    [
      "POST /files/copy",
      (name, app = t) => app.request("POST", "/files/copy", { json: { from: "ok/src.txt", to: name } }),
    ],
    [
      "POST /files/move of a folder",
      (name, app = t) => app.request("POST", "/files/move", { json: { from: "ok/", to: `${name}/` } }),
    ],
  ];

  for (const [entry, send] of entryPoints) {
    test(`${entry} refuses every reserved root name with one clear 400`, async () => {
      expect((await t.request("PUT", "/files/ok/src.txt", { body: "src" })).status).toBe(200);
      for (const name of RESERVED_ROOT_NAMES) {
        const res = await send(name);
        expect(res.status).toBe(400);
        const body = await json(res);
        expect(body.error).toBe("bad_request");
        expect(body.message).toContain(`'${name}' is reserved at the root of /files/`);
      }
    });
  }

  // An app of its own that sends every refused request itself: the other tests add files.
  test("nothing was created, and the API's own routes still answer", async () => {
    const t = makeTestApp();
    try {
      expect((await t.request("PUT", "/files/ok/src.txt", { body: "src" })).status).toBe(200);
      for (const [, send] of entryPoints) {
        for (const name of RESERVED_ROOT_NAMES) expect((await send(name, t)).status).toBe(400);
      }
      const list = await json(await t.request("GET", "/files"));
      expect(list.entries.map((e: { path: string }) => e.path)).toEqual(["ok/"]);
      expect(await json(await t.request("GET", "/files/stats"))).toMatchObject({ files: 1, bytes: 3 });
    } finally {
      await t.close();
    }
  });

  test("the same names deeper in a path, or differently cased, are ordinary and reachable", async () => {
    for (const path of ["docs/stats", "docs/search/log", "Stats", "statsx", "my/uploads/a.txt"]) {
      expect((await t.request("PUT", `/files/${path}`, { body: path })).status).toBe(200);
      const res = await t.request("GET", `/files/${path}`, { headers: { accept: "application/json" } });
      expect(res.status).toBe(200);
      expect((await json(res)).path).toBe(path);
    }
  });

  test("the two-step complete refuses it too (no pending upload can exist, but the rule is checked first)", async () => {
    const res = await t.request("POST", "/files/uploads/complete", { json: { path: "log" } });
    expect(res.status).toBe(400);
    expect((await json(res)).message).toContain("'log' is reserved");
  });
});
