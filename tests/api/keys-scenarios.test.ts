import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ACCOUNT_SCOPES, SCOPES, type Scope } from "../../src/domain/principal";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { type Access, ROUTE_CATALOGUE, type RouteName } from "../fixtures/routes";

/**
 * Table-driven power rules (pocketbase `tests/api.go` style): every route that exists
 * × {inside prefix, outside prefix, missing scope, test-vs-live key, revoked, expired,
 * rotated-old-secret}. Power = owner ∩ scopes ∩ prefix. Every row gets a fresh app with its
 * own owner, files and keys (pocketbase's fresh app per scenario): no row sees what another
 * row changed, so rows pass in any order and alone.
 */

interface Route {
  name: string;
  method: string;
  /** Request inside the key prefix `docs/`. */
  inside: { url: string; body?: unknown; headers?: Record<string, string> };
  /** The same request naming a path outside `docs/`; absent for routes that name no path. */
  outside?: { url: string; body?: unknown; headers?: Record<string, string> };
  /** The route in the shared catalogue, which says what it asks of its caller. */
  route: RouteName;
  /** Exact status for the inside request with a full-power docs/ key (every route keys may use). */
  insideStatus?: number;
  /** Exact status a test key (separate, empty space) gets (every route keys may use). */
  testStatus?: number;
}

const isScope = (access: Access): access is Scope => (SCOPES as readonly string[]).includes(access);

const json = { accept: "application/json" };
const ROUTES: Route[] = [
  {
    name: "get file",
    method: "GET",
    inside: { url: "/files/docs/a.txt", headers: json },
    outside: { url: "/files/other/b.txt", headers: json },
    route: "GET /files/*",
    insideStatus: 200,
    testStatus: 404,
  },
  {
    name: "head file",
    method: "HEAD",
    inside: { url: "/files/docs/a.txt" },
    outside: { url: "/files/other/b.txt" },
    route: "GET /files/*",
    insideStatus: 200,
    testStatus: 404,
  },
  {
    name: "put file",
    method: "PUT",
    inside: { url: "/files/docs/put.txt", body: "x" },
    outside: { url: "/files/other/put.txt", body: "x" },
    route: "PUT /files/*",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "delete file",
    method: "DELETE",
    inside: { url: "/files/docs/del.txt" },
    outside: { url: "/files/other/b.txt" },
    route: "DELETE /files/*",
    insideStatus: 200,
    testStatus: 404,
  },
  {
    name: "list",
    method: "GET",
    inside: { url: "/files?prefix=docs/" },
    outside: { url: "/files?prefix=other/" },
    route: "GET /files",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "search",
    method: "GET",
    inside: { url: "/files/search?q=txt" },
    route: "GET /files/search",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "log",
    method: "GET",
    inside: { url: "/files/log?path=docs/" },
    outside: { url: "/files/log?path=other/" },
    route: "GET /files/log",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "stats",
    method: "GET",
    inside: { url: "/files/stats" },
    route: "GET /files/stats",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "move (both ends)",
    method: "POST",
    inside: { url: "/files/move", body: { from: "docs/m1.txt", to: "docs/m2.txt" } },
    outside: { url: "/files/move", body: { from: "docs/a.txt", to: "other/a.txt" } },
    route: "POST /files/move",
    insideStatus: 200,
    testStatus: 404,
  },
  {
    name: "move from outside",
    method: "POST",
    inside: { url: "/files/move", body: { from: "docs/m1.txt", to: "docs/m3.txt" } },
    outside: { url: "/files/move", body: { from: "other/b.txt", to: "docs/b.txt" } },
    route: "POST /files/move",
    insideStatus: 200,
    testStatus: 404,
  },
  {
    name: "mkdir",
    method: "POST",
    inside: { url: "/files/mkdir", body: { path: "docs/dir/" } },
    outside: { url: "/files/mkdir", body: { path: "other/dir/" } },
    route: "POST /files/mkdir",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "share",
    method: "POST",
    inside: { url: "/files/share", body: { path: "docs/a.txt" } },
    outside: { url: "/files/share", body: { path: "other/b.txt" } },
    route: "POST /files/share",
    insideStatus: 201,
    testStatus: 404,
  },
  {
    name: "create upload",
    method: "POST",
    inside: { url: "/files/uploads", body: { path: "docs/up.txt" } },
    outside: { url: "/files/uploads", body: { path: "other/up.txt" } },
    route: "POST /files/uploads",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "complete upload",
    method: "POST",
    inside: { url: "/files/uploads/complete", body: { path: "docs/nothing.txt" } },
    outside: { url: "/files/uploads/complete", body: { path: "other/nothing.txt" } },
    route: "POST /files/uploads/complete",
    insideStatus: 404,
    testStatus: 404,
  },
  {
    name: "create multipart",
    method: "POST",
    inside: { url: "/files/uploads/multipart", body: { path: "docs/mp.bin", part_count: 1 } },
    outside: { url: "/files/uploads/multipart", body: { path: "other/mp.bin", part_count: 1 } },
    route: "POST /files/uploads/multipart",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "complete multipart",
    method: "POST",
    inside: {
      url: "/files/uploads/multipart/complete",
      body: { path: "docs/mp.bin", upload_id: "nope", parts: [{ part_number: 1, etag: "x" }] },
    },
    outside: {
      url: "/files/uploads/multipart/complete",
      body: { path: "other/mp.bin", upload_id: "nope", parts: [{ part_number: 1, etag: "x" }] },
    },
    route: "POST /files/uploads/multipart/complete",
    insideStatus: 404,
    testStatus: 404,
  },
  {
    name: "abort multipart",
    method: "POST",
    inside: { url: "/files/uploads/multipart/abort", body: { path: "docs/mp.bin", upload_id: "nope" } },
    outside: { url: "/files/uploads/multipart/abort", body: { path: "other/mp.bin", upload_id: "nope" } },
    route: "POST /files/uploads/multipart/abort",
    insideStatus: 404,
    testStatus: 404,
  },
  {
    name: "list keys",
    method: "GET",
    inside: { url: "/auth/keys" },
    route: "GET /auth/keys",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "create key",
    method: "POST",
    inside: { url: "/auth/keys", body: { prefix: "docs/sub/", environment: "test" } },
    outside: { url: "/auth/keys", body: { prefix: "other/" } },
    route: "POST /auth/keys",
    insideStatus: 201,
    testStatus: 201,
  },
  {
    name: "delete key",
    method: "DELETE",
    inside: { url: "/auth/keys/AAAAAAAAAAAAAAAA" },
    route: "DELETE /auth/keys/:id",
    insideStatus: 404,
    testStatus: 404,
  },
  {
    name: "rotate key",
    method: "POST",
    inside: { url: "/auth/keys/AAAAAAAAAAAAAAAA/rotate", body: { expires_in: 60 } },
    route: "POST /auth/keys/:id/rotate",
    insideStatus: 404,
    testStatus: 404,
  },
  {
    name: "describe credential",
    method: "GET",
    inside: { url: "/auth/me" },
    route: "GET /auth/me",
    insideStatus: 200,
    testStatus: 200,
  },
  {
    name: "mint token",
    method: "POST",
    inside: { url: "/auth/tokens", body: { ttl: "1h" } },
    route: "POST /auth/tokens",
  },
  { name: "admin accounts", method: "GET", inside: { url: "/admin/accounts" }, route: "GET /admin/accounts" },
];

/** One app with an owner, its files and a key of every kind a row tries. */
interface World {
  t: TestApp;
  session: string;
  docsKey: string;
  testKey: string;
  revoked: string;
  expired: string;
  rotatedOld: string;
  /** A key with every scope but `lacking` (when the row asks for a scope). */
  missing: string;
}

/** Keys are argon2-hashed, so a world makes only the one missing-scope key its row tries. */
async function makeWorld(lacking?: Scope): Promise<World> {
  let clock = Date.now();
  const t = makeTestApp({ now: () => clock });
  const session = await registerAndLogin(t, naclSigner("owner"));
  for (const path of ["docs/a.txt", "docs/del.txt", "docs/m1.txt", "other/b.txt"]) {
    expect((await t.request("PUT", `/files/${path}`, { token: session, body: "content" })).status).toBe(200);
  }
  const docsKey = (await createKey(t, session, { prefix: "docs/", name: "docs" })).token;
  const testKey = (await createKey(t, session, { environment: "test", name: "test" })).token;
  const missing = lacking
    ? (await createKey(t, session, { scopes: ACCOUNT_SCOPES.filter((s) => s !== lacking) })).token
    : "";
  const toRevoke = await createKey(t, session);
  expect((await t.request("DELETE", `/auth/keys/${toRevoke.id}`, { token: session })).status).toBe(200);
  const expired = (await createKey(t, session, { expires_in: 60 })).token;
  const toRotate = await createKey(t, session, { expires_in: 86_400 });
  expect((await t.request("GET", "/auth/me", { token: toRotate.token })).status).toBe(200);
  const rot = await t.request("POST", `/auth/keys/${toRotate.id}/rotate`, {
    token: session,
    json: { expires_in: 86_400 },
  });
  expect(rot.status).toBe(200);
  clock += 61_000;
  return { t, session, docsKey, testKey, revoked: toRevoke.token, expired, rotatedOld: toRotate.token, missing };
}

/** A fresh world for the tests of one `describe`, closed after them. */
function freshWorld(lacking?: Scope): () => World {
  let world: World | undefined;
  // A world hashes several keys (argon2) and, on the Postgres leg, clones a database.
  beforeAll(async () => {
    world = await makeWorld(lacking);
  }, 60_000);
  afterAll(() => world?.t.close());
  return () => world as World;
}

function send(
  t: TestApp,
  token: string,
  method: string,
  req: { url: string; body?: unknown; headers?: Record<string, string> },
) {
  const body = req.body;
  return typeof body === "string"
    ? t.request(method, req.url, { token, headers: req.headers, body })
    : t.request(method, req.url, { token, headers: req.headers, json: body });
}

async function errorOf(res: Response): Promise<{ status: number; message?: string }> {
  if (res.status < 400 || res.headers.get("content-type")?.startsWith("application/json") !== true)
    return { status: res.status };
  return { status: res.status, message: ((await res.json()) as { message: string }).message };
}

test("every row names a catalogued route; rows keys may use state their exact answers", () => {
  expect(ROUTES.filter((r) => !(r.route in ROUTE_CATALOGUE)).map((r) => r.name)).toEqual([]);
  const keyRoutes = ROUTES.filter((r) => !["master", "admin"].includes(ROUTE_CATALOGUE[r.route]));
  expect(
    keyRoutes.filter((r) => r.insideStatus === undefined || r.testStatus === undefined).map((r) => r.name),
  ).toEqual([]);
});

for (const route of ROUTES) {
  const access: Access = ROUTE_CATALOGUE[route.route];
  const refusedToKeys = access === "master" || access === "admin";
  describe(`${route.method} ${route.inside.url.split("?")[0]} (${route.name})`, () => {
    const world = freshWorld(isScope(access) && access !== "admin" ? access : undefined);
    if (refusedToKeys) {
      test("inside prefix: refused to every key", async () => {
        const { t, docsKey, session } = world();
        expect((await send(t, docsKey, route.method, route.inside)).status).toBe(403);
        expect((await send(t, session, route.method, route.inside)).status).toBe(403);
      });
    } else {
      test("inside prefix", async () => {
        const { t, docsKey } = world();
        const res = await send(t, docsKey, route.method, route.inside);
        const status = route.insideStatus as number;
        expect(await errorOf(res)).toEqual({
          status,
          ...(status >= 400 && route.method !== "HEAD" ? { message: expect.any(String) } : {}),
        });
      });
    }
    if (route.outside) {
      const outside = route.outside;
      test("outside prefix → 403 Path not allowed", async () => {
        const { t, docsKey } = world();
        const res = await send(t, docsKey, route.method, outside);
        expect(res.status).toBe(403);
        if (route.method !== "HEAD")
          expect(await res.json()).toEqual({ error: "forbidden", message: "Path not allowed" });
      });
    }
    if (isScope(access) && access !== "admin") {
      test(`missing scope ${access} → 403`, async () => {
        const { t, missing } = world();
        const res = await send(t, missing, route.method, route.inside);
        expect(res.status).toBe(403);
        if (route.method !== "HEAD") expect(((await res.json()) as { error: string }).error).toBe("forbidden");
      });
    }
    if (!refusedToKeys) {
      test("test key: separate space, never live data", async () => {
        const { t, testKey } = world();
        const res = await send(t, testKey, route.method, route.inside);
        expect(res.status).toBe(route.testStatus as number);
      });
    }
    for (const label of ["revoked", "expired", "rotatedOld"] as const) {
      test(`${label === "rotatedOld" ? "rotated-old-secret" : label} key → 401`, async () => {
        const w = world();
        const res = await send(w.t, w[label], route.method, route.inside);
        expect(res.status).toBe(401);
      });
    }
  });
}

describe("a test key's writes", () => {
  const world = freshWorld();
  test("stay in the test space: the live space never sees them", async () => {
    const { t, session, testKey } = world();
    expect((await t.request("PUT", "/files/docs/put.txt", { token: testKey, body: "x" })).status).toBe(200);
    expect((await t.request("POST", "/files/mkdir", { token: testKey, json: { path: "docs/dir/" } })).status).toBe(200);
    const names = async (token: string) =>
      (
        (await (await t.request("GET", "/files?prefix=docs/", { token })).json()) as { entries: { name: string }[] }
      ).entries
        .map((e) => e.name)
        .sort();
    expect(await names(testKey)).toEqual(["dir", "put.txt"]);
    expect(await names(session)).toEqual(["a.txt", "del.txt", "m1.txt"]);
    const stats = (await (await t.request("GET", "/files/stats", { token: testKey })).json()) as { files: number };
    expect(stats.files).toBe(1);
  });
});

describe("a key limited to docs/", () => {
  const world = freshWorld();
  test("lists and searches only docs/ when asking for everything", async () => {
    const { t, docsKey } = world();
    const res = await t.request("GET", "/files", { token: docsKey });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { prefix: string; entries: { name: string }[] };
    expect(body.prefix).toBe("docs/");
    const search = (await (await t.request("GET", "/files/search?q=txt", { token: docsKey })).json()) as {
      results: { path: string }[];
    };
    expect(search.results.length).toBeGreaterThan(0);
    for (const r of search.results) expect(r.path).toStartWith("docs/");
  });
});
