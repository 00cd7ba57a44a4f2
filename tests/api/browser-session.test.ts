import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { MASTER, makeTestApp, type TestApp } from "../fixtures/harness";

const t = makeTestApp();
afterAll(() => t.close());

const alice = naclSigner("alice");
const aliceSession = await registerAndLogin(t, alice);

/** POST /auth/session as a browser would (no Authorization header); returns the status, body and cookie. */
async function open(token: unknown, app: TestApp = t) {
  const res = await app.request("POST", "/auth/session", { token: null, json: { token } });
  const cookie = /lightd_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")?.[1] ?? null;
  return { res, body: (await res.json()) as Record<string, unknown>, cookie, setCookie: res.headers.get("set-cookie") };
}

const withCookie = (cookie: string) => ({ token: null, headers: { cookie: `lightd_session=${cookie}` } });

describe("POST /auth/session: a pasted credential becomes an HttpOnly session cookie", () => {
  test("the master token opens a session that acts as the master token, and never echoes a secret", async () => {
    const { res, body, cookie, setCookie } = await open(MASTER);
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["actor", "expires_at"]);
    expect(body.actor).toBe("admin");
    expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict$/);
    expect(cookie).toStartWith("lightd_ses_");
    const me = await t.request("GET", "/auth/me", withCookie(cookie as string));
    expect(await me.json()).toMatchObject({ actor: "admin", source: "master", prefix: "" });
    const minted = await t.request("POST", "/auth/tokens", { ...withCookie(cookie as string), json: { ttl: "1h" } });
    expect(minted.status).toBe(200);
  });

  test("a live key's session has exactly the key's scopes and prefix, and never outlives it", async () => {
    const key = await createKey(t, aliceSession, { scopes: ["files:read"], prefix: "docs/", expires_in: 600 });
    const { res, body, cookie } = await open(key.token);
    expect(res.status).toBe(200);
    expect(body.expires_at as number).toBeLessThanOrEqual(Date.now() + 600_000);
    const me = await t.request("GET", "/auth/me", withCookie(cookie as string));
    expect(await me.json()).toMatchObject({
      actor: "alice",
      source: "session",
      scopes: ["files:read"],
      prefix: "docs/",
    });
    const write = await t.request("PUT", "/files/docs/a.txt", { ...withCookie(cookie as string), body: "x" });
    expect(write.status).toBe(403);
  });

  test("revoking the key ends the sessions opened with it", async () => {
    const key = await createKey(t, aliceSession, { scopes: ["files:read"], expires_in: 600 });
    const { cookie } = await open(key.token);
    expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(200);
    expect((await t.request("DELETE", `/auth/keys/${key.id}`, { token: aliceSession })).status).toBe(200);
    expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(401);
  });

  test("rotating the key ends the sessions opened with its old secret", async () => {
    const key = await createKey(t, aliceSession, { scopes: ["files:read"], expires_in: 600 });
    const { cookie } = await open(key.token);
    const rotated = await t.request("POST", `/auth/keys/${key.id}/rotate`, {
      token: aliceSession,
      json: { expires_in: 600 },
    });
    expect(rotated.status).toBe(200);
    expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(401);
  });

  test("a session token is exchanged: the old one stops working, the cookie works", async () => {
    const session = await registerAndLogin(t, naclSigner("carol"));
    const { res, cookie } = await open(session);
    expect(res.status).toBe(200);
    expect((await t.request("GET", "/auth/me", { token: session })).status).toBe(401);
    expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(200);
  });

  test("a session exchanged by concurrent requests becomes exactly one session", async () => {
    const session = await registerAndLogin(t, naclSigner("cyrus"));
    const opened = await Promise.all(Array.from({ length: 6 }, () => open(session)));
    const cookies = opened.filter((o) => o.res.status === 200).map((o) => o.cookie as string);
    expect(cookies).toHaveLength(1);
    for (const o of opened.filter((o) => o.res.status !== 200)) {
      expect(o.res.status).toBe(401);
      expect(o.cookie).toBeNull();
    }
    expect((await t.request("GET", "/auth/me", withCookie(cookies[0] as string))).status).toBe(200);
  });

  test("test keys are refused with a clear message (a session sees the live space)", async () => {
    const key = await createKey(t, aliceSession, { environment: "test" });
    const { res, body, cookie } = await open(key.token);
    expect(res.status).toBe(400);
    expect(body.message).toContain("test key");
    expect(cookie).toBeNull();
  });

  test.each([
    ["garbage", "lightd_nope_nope"],
    ["empty", ""],
    ["not a string", 42],
  ])("bad credential (%s) → 4xx JSON, no cookie", async (_name, token) => {
    const { res, body, cookie } = await open(token);
    expect([400, 401]).toContain(res.status);
    expect(typeof body.message).toBe("string");
    expect(cookie).toBeNull();
  });

  test("logout with the cookie ends the session server-side", async () => {
    const { cookie } = await open(MASTER);
    const out = await t.request("POST", "/auth/logout", withCookie(cookie as string));
    expect(out.status).toBe(200);
    expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(401);
  });

  // An app of its own: the other tests open sessions with the master token this one replaces.
  test("changing the master token ends every session opened with the old one", async () => {
    const t = makeTestApp();
    try {
      const { cookie } = await open(MASTER, t);
      expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(200);
      const next = "lightd_the_next_master_token_0123456789";
      writeFileSync(
        join(t.dir, "config.json"),
        JSON.stringify({
          ...t.ctx.config.current,
          authorization: { ...t.ctx.config.current.authorization, token: next },
        }),
      );
      t.ctx.config.reload();
      expect((await t.request("GET", "/auth/me", withCookie(cookie as string))).status).toBe(401);
      const fresh = await open(next, t);
      expect((await t.request("GET", "/auth/me", withCookie(fresh.cookie as string))).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
