import { afterAll, describe, expect, test } from "bun:test";
import { parseIssuedToken } from "../../src/lib/token-format";
import { createKey, login, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";

let clock = Date.now();
const t = makeTestApp({ now: () => clock });
afterAll(() => t.close());

const alice = naclSigner("alice");
const bob = naclSigner("bob");
const aliceSession = await registerAndLogin(t, alice);
const bobSession = await registerAndLogin(t, bob);
const ALL = ["files:read", "files:write", "files:delete", "share", "keys:read", "keys:write"];

describe("POST /auth/keys", () => {
  test("201 with the token once; only an argon2id hash is stored", async () => {
    const res = await t.request("POST", "/auth/keys", {
      token: aliceSession,
      json: { name: "deploy-bot", prefix: "docs/", expires_in: 3600 },
    });
    expect(res.status).toBe(201);
    const key = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(key).sort()).toEqual(["environment", "expires_at", "id", "name", "prefix", "scopes", "token"]);
    expect(key).toMatchObject({
      name: "deploy-bot",
      prefix: "docs/",
      environment: "live",
      scopes: ALL,
      expires_at: clock + 3_600_000,
    });
    const token = key.token as string;
    expect(token).toStartWith("lightd_live_");
    // The public id and checksum let a leaked key be recognised offline.
    expect(parseIssuedToken(token)).toEqual({ kind: "live", id: key.id as string });
    expect(parseIssuedToken(token.replace(/.$/, (c) => (c === "A" ? "B" : "A")))).toBeNull();
    const row = t.db.query("SELECT secret_hash FROM credentials WHERE id = ?1").get(key.id as string) as {
      secret_hash: string;
    };
    expect(row.secret_hash).toStartWith("$argon2id$");
    expect(JSON.stringify(t.db.query("SELECT * FROM credentials").all())).not.toContain(token.slice(-38, -6));
  });

  test("defaults: no name, no prefix, no expiry, the creator's scopes", async () => {
    const key = await createKey(t, aliceSession);
    expect(key).toMatchObject({ name: "", prefix: "", expires_at: null, scopes: ALL, environment: "live" });
  });

  test("expires_at as Unix ms or ISO 8601; prefix normalised to a folder", async () => {
    const at = clock + 86_400_000;
    expect((await createKey(t, aliceSession, { expires_at: at, prefix: "/reports" })).expires_at).toBe(at);
    const iso = new Date(at).toISOString();
    const key = await createKey(t, aliceSession, { expires_at: iso, prefix: "reports/2024" });
    expect(key).toMatchObject({ expires_at: at, prefix: "reports/2024/" });
  });

  const bad: [string, Record<string, unknown>][] = [
    ["unknown scope", { scopes: ["files:everything"] }],
    ["empty scopes", { scopes: [] }],
    ["expires_in 0", { expires_in: 0 }],
    ["expires_at in the past", { expires_at: clock - 1 }],
    ["expires_at not a date", { expires_at: "tomorrow" }],
    ["both expiries", { expires_in: 60, expires_at: clock + 60_000 }],
    ["prefix with ..", { prefix: "docs/../etc" }],
    ["prefix with empty segment", { prefix: "docs//x" }],
    ["prefix with control char", { prefix: "docs\u0001" }],
    ["unknown environment", { environment: "prod" }],
  ];
  for (const [name, body] of bad) {
    test(`400 for ${name}`, async () => {
      const res = await t.request("POST", "/auth/keys", { token: aliceSession, json: body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("bad_request");
    });
  }

  test("an expiry is at most a year ahead: beyond it, 400 naming the limit (no date nobody can read)", async () => {
    const year = 365 * 86_400;
    expect((await createKey(t, aliceSession, { expires_in: year })).expires_at).toBe(clock + year * 1000);
    expect((await createKey(t, aliceSession, { expires_at: clock + year * 1000 })).expires_at).toBe(
      clock + year * 1000,
    );
    const refusals: [Record<string, unknown>, string][] = [
      [{ expires_in: 1e300 }, "Invalid expires_in: use whole seconds from 1 to 31536000 (365 days)"],
      [{ expires_in: year + 1 }, "Invalid expires_in: use whole seconds from 1 to 31536000 (365 days)"],
      [{ expires_at: clock + year * 1000 + 1 }, "Invalid expires_at: at most 365 days from now"],
      [{ expires_at: "9999-12-31T00:00:00Z" }, "Invalid expires_at: at most 365 days from now"],
    ];
    const key = await createKey(t, aliceSession, { expires_in: 60 });
    for (const [body, message] of refusals) {
      for (const path of ["/auth/keys", `/auth/keys/${key.id}/rotate`]) {
        const res = await t.request("POST", path, { token: aliceSession, json: body });
        expect({ path, body, status: res.status, answer: await res.json() }).toEqual({
          path,
          body,
          status: 400,
          answer: { error: "bad_request", message },
        });
      }
    }
  });

  test("an ordinary account cannot grant admin", async () => {
    const res = await t.request("POST", "/auth/keys", { token: aliceSession, json: { scopes: ["admin"] } });
    expect(res.status).toBe(403);
  });
});

describe("a key cannot create a key with more power", () => {
  test("scopes must be a subset of the creator's", async () => {
    const limited = await createKey(t, aliceSession, { scopes: ["files:read", "keys:write"] });
    const more = await t.request("POST", "/auth/keys", { token: limited.token, json: { scopes: ["files:write"] } });
    expect(more.status).toBe(403);
    expect((await more.json()) as object).toEqual({
      error: "forbidden",
      message: "A key cannot have more power than its creator: missing scope 'files:write'",
    });
    expect((await createKey(t, limited.token)).scopes).toEqual(["files:read", "keys:write"]);
    expect((await createKey(t, limited.token, { scopes: ["files:read"] })).scopes).toEqual(["files:read"]);
  });

  test("the prefix must lie within the creator's prefix", async () => {
    const docs = await createKey(t, aliceSession, { prefix: "docs/" });
    expect((await createKey(t, docs.token)).prefix).toBe("docs/");
    expect((await createKey(t, docs.token, { prefix: "docs/sub" })).prefix).toBe("docs/sub/");
    for (const prefix of ["", "other/", "doc", "docs-private/"]) {
      const res = await t.request("POST", "/auth/keys", { token: docs.token, json: { prefix } });
      expect({ prefix, status: res.status }).toEqual({ prefix, status: 403 });
    }
  });

  test("a test key creates only test keys", async () => {
    const testKey = await createKey(t, aliceSession, { environment: "test" });
    expect(testKey.token).toStartWith("lightd_test_");
    const me = (await (await t.request("GET", "/auth/me", { token: testKey.token })).json()) as { space: string };
    expect(me.space).toBe("test");
    expect((await createKey(t, testKey.token)).environment).toBe("test");
    const live = await t.request("POST", "/auth/keys", { token: testKey.token, json: { environment: "live" } });
    expect(live.status).toBe(403);
  });

  test("a key cannot outlive the key that creates it", async () => {
    const parent = await createKey(t, aliceSession, { expires_in: 600 });
    expect((await createKey(t, parent.token)).expires_at).toBe(parent.expires_at);
    expect((await createKey(t, parent.token, { expires_in: 60 })).expires_at).toBe(clock + 60_000);
    const longer = await t.request("POST", "/auth/keys", { token: parent.token, json: { expires_in: 601 } });
    expect(longer.status).toBe(403);
  });
});

describe("nothing a credential makes outlives it", () => {
  const minted = async (ttl: string, remove_on_use = false) => {
    const res = await t.request("POST", "/auth/tokens", { json: { ttl, remove_on_use } });
    const body = (await res.json()) as { token: string; expires_at: string };
    return { token: body.token, expiresAt: Date.parse(body.expires_at) };
  };
  /** POST /auth/session with `token`, as the dashboard's sign-in does: the session's token and expiry. */
  const sessionOf = async (token: string) => {
    const res = await t.request("POST", "/auth/session", { token: null, json: { token } });
    const cookie = /lightd_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1] as string;
    return { token: decodeURIComponent(cookie), expiresAt: ((await res.json()) as { expires_at: number }).expires_at };
  };

  test("a single-use token opens a session that ends when the token would have", async () => {
    const once = await minted("1h", true);
    const res = await t.request("POST", "/auth/session", { token: null, json: { token: once.token } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { expires_at: number }).expires_at).toBe(once.expiresAt);
    expect(res.headers.get("set-cookie")).toContain("; Max-Age=3600;");
  });

  test("a key made with a single-use token ends with the token", async () => {
    const once = await minted("1h", true);
    const res = await t.request("POST", "/auth/keys", { token: once.token, json: { scopes: ["files:read"] } });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { expires_at: number }).expires_at).toBe(once.expiresAt);
  });

  test("a key, a token or a session opened with one passes on its own expiry; the person's sign-in does not", async () => {
    const key = await createKey(t, aliceSession, { expires_in: 600 });
    const creators: { name: string; make: () => Promise<{ token: string; expiresAt: number }> }[] = [
      { name: "an API key", make: async () => ({ token: key.token, expiresAt: key.expires_at as number }) },
      { name: "a programmatic token", make: () => minted("30s") },
      { name: "a session opened with an API key", make: () => sessionOf(key.token) },
      {
        name: "a session opened with a single-use token",
        make: async () => sessionOf((await minted("1h", true)).token),
      },
    ];
    const seen: unknown[] = [];
    const expected: unknown[] = [];
    for (const { name, make } of creators) {
      const creator = await make();
      const made = async (body: Record<string, unknown>) => {
        const res = await t.request("POST", "/auth/keys", {
          token: creator.token,
          json: { scopes: ["files:read"], ...body },
        });
        const answer = (await res.json()) as { expires_at?: number; message?: string };
        return [res.status, answer.expires_at ?? answer.message];
      };
      seen.push({
        name,
        unasked: await made({}),
        shorter: await made({ expires_in: 10 }),
        longer: await made({ expires_at: creator.expiresAt + 1 }),
      });
      const limit = new Date(creator.expiresAt).toISOString();
      expected.push({
        name,
        unasked: [201, creator.expiresAt],
        shorter: [201, clock + 10_000],
        longer: [403, `A key cannot outlive the credential that makes it: it must expire by ${limit}`],
      });
    }
    expect(seen).toEqual(expected);
    // The person, signed in as themself, makes keys that last (the dashboard's "no expiry").
    expect((await createKey(t, aliceSession, { scopes: ["files:read"] })).expires_at).toBeNull();
  });
});

describe("a key made with a key ends when its maker is revoked", () => {
  const me = (token: string) => t.request("GET", "/auth/me", { token });
  test("revoking a key revokes the keys it made (and theirs); the person's own keys stay", async () => {
    const maker = await createKey(t, aliceSession, { name: "maker" });
    const child = await createKey(t, maker.token, { name: "child" });
    const grandchild = await createKey(t, child.token, { name: "grandchild" });
    const sessionMade = await createKey(
      t,
      await t
        .request("POST", "/auth/session", { token: null, json: { token: maker.token } })
        .then((r) => /lightd_session=([^;]*)/.exec(r.headers.get("set-cookie") ?? "")?.[1] as string),
      { name: "via a session opened with the maker" },
    );
    const own = await createKey(t, aliceSession, { name: "own" });
    for (const key of [child, grandchild, sessionMade]) expect((await me(key.token)).status).toBe(200);
    expect((await t.request("DELETE", `/auth/keys/${maker.id}`, { token: aliceSession })).status).toBe(200);
    for (const key of [maker, child, grandchild, sessionMade]) expect((await me(key.token)).status).toBe(401);
    expect((await me(own.token)).status).toBe(200);
    const listed = (await (await t.request("GET", "/auth/keys", { token: aliceSession })).json()) as {
      keys: { id: string }[];
    };
    const ids = listed.keys.map((k) => k.id);
    for (const key of [maker, child, grandchild, sessionMade]) expect(ids).not.toContain(key.id);
    expect(ids).toContain(own.id);
  });

  test("a key made by the person signed in as themself outlives that session", async () => {
    const session = await login(t, alice);
    const key = await createKey(t, session, { name: "lasting" });
    expect((await t.request("POST", "/auth/logout", { token: session })).status).toBe(200);
    expect((await me(key.token)).status).toBe(200);
  });
});

describe("GET /auth/keys", () => {
  test("metadata only, with usage counters", async () => {
    const carol = naclSigner("carol");
    const session = await registerAndLogin(t, carol);
    const key = await createKey(t, session, { name: "ci" });
    for (let i = 0; i < 3; i++) expect((await t.request("GET", "/auth/me", { token: key.token })).status).toBe(200);
    const res = await t.request("GET", "/auth/keys", { token: session });
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0] as object).sort()).toEqual([
      "created_at",
      "environment",
      "expires_at",
      "id",
      "last_used_at",
      "name",
      "prefix",
      "scopes",
      "use_count",
    ]);
    expect(keys[0]).toMatchObject({ id: key.id, name: "ci", use_count: 3, last_used_at: clock, created_at: clock });
    expect(JSON.stringify(keys)).not.toContain(key.token);
  });

  test("lists only the caller's account, and only keys within the caller's power", async () => {
    const dave = naclSigner("dave");
    const session = await registerAndLogin(t, dave);
    const docs = await createKey(t, session, { prefix: "docs/", name: "docs" });
    await createKey(t, session, { prefix: "docs/a/", name: "docs-a" });
    await createKey(t, session, { name: "all" });
    await createKey(t, session, { name: "test", environment: "test", prefix: "docs/" });
    const names = async (token: string) =>
      ((await (await t.request("GET", "/auth/keys", { token })).json()) as { keys: { name: string }[] }).keys.map(
        (k) => k.name,
      );
    expect(await names(session)).toEqual(["docs", "docs-a", "all", "test"]);
    expect(await names(docs.token)).toEqual(["docs", "docs-a", "test"]);
    // Another account with no keys of its own (bob makes keys in other tests) sees none of dave's.
    const erin = await registerAndLogin(t, naclSigner("erin"));
    expect(await names(erin)).toEqual([]);
  });
});

describe("DELETE /auth/keys/:id", () => {
  test("the key's very next request is 401", async () => {
    const key = await createKey(t, aliceSession);
    expect((await t.request("GET", "/auth/me", { token: key.token })).status).toBe(200);
    const del = await t.request("DELETE", `/auth/keys/${key.id}`, { token: aliceSession });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ deleted: true });
    const after = await t.request("GET", "/auth/me", { token: key.token });
    expect(after.status).toBe(401);
    expect((await t.request("DELETE", `/auth/keys/${key.id}`, { token: aliceSession })).status).toBe(404);
  });

  test("404 for an unknown key, another account's key, or a more powerful key", async () => {
    expect((await t.request("DELETE", "/auth/keys/AAAAAAAAAAAAAAAA", { token: aliceSession })).status).toBe(404);
    const bobs = await createKey(t, bobSession);
    expect((await t.request("DELETE", `/auth/keys/${bobs.id}`, { token: aliceSession })).status).toBe(404);
    expect((await t.request("GET", "/auth/me", { token: bobs.token })).status).toBe(200);
    const full = await createKey(t, aliceSession);
    const docs = await createKey(t, aliceSession, { prefix: "docs/" });
    expect((await t.request("DELETE", `/auth/keys/${full.id}`, { token: docs.token })).status).toBe(404);
    expect((await t.request("DELETE", `/auth/keys/${docs.id}`, { token: full.token })).status).toBe(200);
  });

  test("a session is not an API key", async () => {
    const id = parseIssuedToken(aliceSession)?.id as string;
    expect((await t.request("DELETE", `/auth/keys/${id}`, { token: aliceSession })).status).toBe(404);
  });
});

describe("POST /auth/keys/:id/rotate", () => {
  test("new secret, same id, old one dead at once; at most once an hour", async () => {
    const key = await createKey(t, aliceSession, { name: "rot", expires_in: 86_400 });
    expect((await t.request("GET", "/auth/me", { token: key.token })).status).toBe(200);
    const newExpiry = clock + 2 * 86_400_000;
    const res = await t.request("POST", `/auth/keys/${key.id}/rotate`, {
      token: aliceSession,
      json: { expires_at: newExpiry },
    });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { id: string; token: string; expires_at: number; name: string };
    expect(rotated).toMatchObject({ id: key.id, name: "rot", expires_at: newExpiry });
    expect(rotated.token).not.toBe(key.token);
    expect((await t.request("GET", "/auth/me", { token: key.token })).status).toBe(401);
    expect((await t.request("GET", "/auth/me", { token: rotated.token })).status).toBe(200);

    const again = await t.request("POST", `/auth/keys/${key.id}/rotate`, {
      token: aliceSession,
      json: { expires_in: 3600 },
    });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { error: string }).error).toBe("rate_limited");
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(3500);

    clock += 3_600_001;
    const later = await t.request("POST", `/auth/keys/${key.id}/rotate`, {
      token: aliceSession,
      json: { expires_in: 3600 },
    });
    expect(later.status).toBe(200);
  });

  test("a key can rotate itself; the old text stops working", async () => {
    const key = await createKey(t, aliceSession, { expires_in: 3600 });
    const res = await t.request("POST", `/auth/keys/${key.id}/rotate`, {
      token: key.token,
      json: { expires_in: 1800 },
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    expect((await t.request("GET", "/auth/keys", { token: key.token })).status).toBe(401);
    expect((await t.request("GET", "/auth/keys", { token })).status).toBe(200);
  });

  test("400 for a key without expiry, for a missing or past expiry; 404 for another account's key", async () => {
    const forever = await createKey(t, aliceSession);
    const noExpiry = await t.request("POST", `/auth/keys/${forever.id}/rotate`, {
      token: aliceSession,
      json: { expires_in: 60 },
    });
    expect(noExpiry.status).toBe(400);
    expect(await noExpiry.json()).toEqual({
      error: "bad_request",
      message: "Keys without an expiry cannot be rotated",
    });
    const key = await createKey(t, aliceSession, { expires_in: 60 });
    expect((await t.request("POST", `/auth/keys/${key.id}/rotate`, { token: aliceSession, json: {} })).status).toBe(
      400,
    );
    expect(
      (await t.request("POST", `/auth/keys/${key.id}/rotate`, { token: aliceSession, json: { expires_at: clock - 5 } }))
        .status,
    ).toBe(400);
    expect(
      (await t.request("POST", `/auth/keys/${key.id}/rotate`, { token: bobSession, json: { expires_in: 60 } })).status,
    ).toBe(404);
  });

  test("concurrent rotations: exactly one wins", async () => {
    const key = await createKey(t, aliceSession, { expires_in: 3600 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request("POST", `/auth/keys/${key.id}/rotate`, { token: aliceSession, json: { expires_in: 1200 } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429]);
  });
});

describe("scopes guard the key routes", () => {
  test("keys:read lists, keys:write creates, deletes and rotates", async () => {
    const reader = await createKey(t, aliceSession, { scopes: ["keys:read"] });
    const writer = await createKey(t, aliceSession, { scopes: ["keys:write"], expires_in: 3600 });
    expect((await t.request("GET", "/auth/keys", { token: reader.token })).status).toBe(200);
    expect((await t.request("GET", "/auth/keys", { token: writer.token })).status).toBe(403);
    expect((await t.request("POST", "/auth/keys", { token: reader.token, json: {} })).status).toBe(403);
    expect((await t.request("DELETE", `/auth/keys/${writer.id}`, { token: reader.token })).status).toBe(403);
    expect(
      (await t.request("POST", `/auth/keys/${writer.id}/rotate`, { token: reader.token, json: { expires_in: 60 } }))
        .status,
    ).toBe(403);
    expect((await t.request("DELETE", `/auth/keys/${writer.id}`, { token: writer.token })).status).toBe(200);
  });

  test("anonymous is 401 before any body validation", async () => {
    const res = await t.request("POST", "/auth/keys", { token: null, json: { scopes: "nonsense" } });
    expect(res.status).toBe(401);
  });

  test("a logged-out session can no longer manage keys", async () => {
    const session = await login(t, alice);
    await t.request("POST", "/auth/logout", { token: session });
    expect((await t.request("GET", "/auth/keys", { token: session })).status).toBe(401);
  });
});
