import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Hostile input to versions, the trash and restore: a tx in the future, negative, huge or
 * not an integer; a restore onto a path that is a folder now; another space's tx; paths
 * outside a key's prefix. Each is a clear JSON error with the right status, never a 500.
 */

let t: TestApp;
let alice: string;
let newest: number;

beforeAll(async () => {
  t = makeTestApp({ config: { rate_limits: { enabled: false } } });
  alice = await registerAndLogin(t, naclSigner("alice-versions"));
  for (const [path, body] of [
    ["a.txt", "one"],
    ["a.txt", "two"],
    ["docs/d.txt", "doc"],
    ["docs/d.txt", "doc two"],
  ]) {
    const res = await t.request("PUT", `/files/${path}`, { token: alice, body });
    newest = ((await res.json()) as { tx: number }).tx;
  }
});
afterAll(() => t.close());

async function expectError(res: Response, status: number, code: string, message?: RegExp) {
  const body = (await res.json()) as { error: string; message: string };
  expect({ status: res.status, error: body.error }).toEqual({ status, error: code });
  if (message) expect(body.message).toMatch(message);
}

describe("GET /files/{path}?tx=", () => {
  const cases: [string, string, RegExp][] = [
    ["not a number", "abc", /positive integer/],
    ["negative", "-1", /positive integer/],
    ["zero", "0", /positive integer/],
    ["a fraction", "1.5", /positive integer/],
    ["huge", "99999999999999999999999", /positive integer/],
    ["exponent", "1e3", /positive integer/],
    ["empty", "", /positive integer/],
    ["in the future", "1000", /after this space's newest tx/],
  ];
  for (const [name, tx, message] of cases) {
    test(`${name} → 400`, async () => {
      await expectError(await t.request("GET", `/files/a.txt?tx=${tx}`, { token: alice }), 400, "bad_request", message);
      // HEAD has no body: the status says it.
      expect((await t.request("HEAD", `/files/a.txt?tx=${tx}`, { token: alice })).status).toBe(400);
    });
  }

  test("a path with nothing at that tx → 404", async () => {
    await expectError(await t.request("GET", "/files/docs/d.txt?tx=1", { token: alice }), 404, "not_found");
  });

  test("another space's tx: a test key sees only its own, empty history", async () => {
    const testKey = await createKey(t, alice, { environment: "test" });
    await expectError(
      await t.request("GET", `/files/a.txt?tx=${newest}`, { token: testKey.token }),
      400,
      "bad_request",
      /newest tx \(0\)/,
    );
    await expectError(await t.request("GET", "/files/versions?path=a.txt", { token: testKey.token }), 404, "not_found");
    const trash = await t.request("GET", "/files/trash", { token: testKey.token });
    expect(await trash.json()).toEqual({ entries: [] });
    await expectError(
      await t.request("POST", "/files/restore", { token: testKey.token, json: { path: "a.txt", tx: 1 } }),
      400,
      "bad_request",
    );
  });

  test("another account's history is not reachable", async () => {
    const bob = await registerAndLogin(t, naclSigner("bob-versions"));
    await expectError(await t.request("GET", "/files/versions?path=a.txt", { token: bob }), 404, "not_found");
    await expectError(await t.request("GET", "/files/a.txt?tx=1", { token: bob }), 400, "bad_request");
  });
});

describe("POST /files/restore", () => {
  const restore = (json: unknown, token = alice) => t.request("POST", "/files/restore", { token, json });

  const bad: [string, unknown][] = [
    ["tx as a word", { path: "a.txt", tx: "one" }],
    ["tx as null", { path: "a.txt", tx: null }],
    ["negative tx", { path: "a.txt", tx: -1 }],
    ["zero tx", { path: "a.txt", tx: 0 }],
    ["fractional tx", { path: "a.txt", tx: 1.5 }],
    ["huge tx", { path: "a.txt", tx: 1e20 }],
    ["no tx", { path: "a.txt" }],
    ["both path and prefix", { path: "a.txt", prefix: "", tx: 1 }],
    ["neither path nor prefix", { tx: 1 }],
    ["a folder path", { path: "docs/", tx: 1 }],
    ["a path that climbs out", { path: "../a.txt", tx: 1 }],
    ["a prefix that climbs out", { prefix: "../", tx: 1 }],
    ["a prefix that climbs out midway", { prefix: "docs/../../", tx: 1 }],
    ["an absolute prefix", { prefix: "/etc/", tx: 1 }],
    ["a prefix with a NUL byte", { prefix: "docs\u0000/", tx: 1 }],
    ["a prefix with an empty segment", { prefix: "docs//", tx: 1 }],
    ["a prefix of 5000 characters", { prefix: `${"x".repeat(5000)}/`, tx: 1 }],
    ["a prefix that is a number", { prefix: 7, tx: 1 }],
    ["a prefix that is an array", { prefix: ["docs/"], tx: 1 }],
    ["an empty path", { path: "", tx: 1 }],
    ["a path with a NUL byte", { path: "a\u0000.txt", tx: 1 }],
    ["tx as a numeric string with junk", { path: "a.txt", tx: "1; DROP TABLE files" }],
    ["tx beyond 2^53", { path: "a.txt", tx: 2 ** 53 + 2 }],
    ["a message too long", { path: "a.txt", tx: 1, message: "m".repeat(5000) }],
  ];
  for (const [name, body] of bad) {
    test(`${name} → 400`, async () => {
      await expectError(await restore(body), 400, "bad_request");
    });
  }

  test("a tx in the future → 400", async () => {
    await expectError(await restore({ path: "a.txt", tx: newest + 50 }), 400, "bad_request", /newest tx/);
    await expectError(await restore({ prefix: "", tx: newest + 50 }), 400, "bad_request", /newest tx/);
  });

  test("nothing at that path at that tx → 404", async () => {
    await expectError(await restore({ path: "nowhere.txt", tx: 1 }), 404, "not_found");
    // A backslash is part of a name, never a separator: no climb, just a name with no history.
    await expectError(await restore({ path: "..\\a.txt", tx: 1 }), 404, "not_found");
  });

  test("restoring into a path that is a folder now → 409, nothing changes", async () => {
    const res = await t.request("PUT", "/files/gone.txt", { token: alice, body: "was a file" });
    const { tx } = (await res.json()) as { tx: number };
    expect((await t.request("DELETE", "/files/gone.txt", { token: alice })).status).toBe(200);
    expect((await t.request("POST", "/files/mkdir", { token: alice, json: { path: "gone.txt/" } })).status).toBe(200);
    await expectError(await restore({ path: "gone.txt", tx }), 409, "conflict", /folder/);
    expect((await t.request("GET", "/files/gone.txt", { token: alice })).status).toBe(404);
  });

  test("a key limited to a prefix restores only inside it", async () => {
    const key = await createKey(t, alice, { prefix: "docs/", scopes: ["files:read", "files:write"] });
    await expectError(await restore({ path: "a.txt", tx: 1 }, key.token), 403, "forbidden");
    await expectError(await t.request("GET", "/files/versions?path=a.txt", { token: key.token }), 403, "forbidden");
    // The whole space, as the key sees it: only docs/ goes back.
    const before = await (await t.request("GET", "/files/a.txt?tx=1", { token: alice })).text();
    const res = await restore({ prefix: "", tx: 3 }, key.token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { path: string }).path).toBe("docs/");
    expect(await (await t.request("GET", "/files/a.txt?tx=1", { token: alice })).text()).toBe(before);
    const current = await t.request("GET", "/files/a.txt", {
      token: alice,
      headers: { accept: "application/json" },
    });
    expect(((await current.json()) as { size: number }).size).toBe(3);
  });

  test("a read-only key cannot restore", async () => {
    const key = await createKey(t, alice, { scopes: ["files:read"] });
    await expectError(await restore({ path: "a.txt", tx: 1 }, key.token), 403, "forbidden");
  });
});

describe("GET /files/versions and /files/trash", () => {
  test("a missing, folder or malformed path → 400", async () => {
    for (const query of ["", "?path=", "?path=docs/", "?path=..%2Fx", "?path=%FF"]) {
      const res = await t.request("GET", `/files/versions${query}`, { token: alice });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });

  test("bad trash paging → 400", async () => {
    for (const query of ["?limit=0", "?limit=abc", "?offset=-1", "?prefix=../", "?prefix=%FF"]) {
      const res = await t.request("GET", `/files/trash${query}`, { token: alice });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });
});
