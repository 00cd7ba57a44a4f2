import { afterAll, describe, expect, test } from "bun:test";
import { issueToken } from "../../src/lib/token-format";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";

let clock = Date.now();
const t = makeTestApp({
  now: () => clock,
  config: {
    server: { trust_proxy: true },
    rate_limits: {
      register: { burst: 3, per_minute: 6 },
      challenge: { burst: 2, per_minute: 60 },
      verify: { burst: 2, per_minute: 60 },
      magic_link: { burst: 2, per_minute: 2 },
      magic_link_per_address: { burst: 1, per_minute: 1 },
      authenticated: { burst: 5, per_minute: 60 },
      auth_failures: { burst: 3, per_minute: 6 },
    },
  },
});
afterAll(() => t.close());

const from = (ip: string) => ({ "x-forwarded-for": ip });
const register = (ip: string, actor: string) =>
  t.request("POST", "/auth/register", {
    token: null,
    headers: from(ip),
    json: { actor, public_key: Buffer.alloc(32, 9).toString("base64") },
  });

describe("per-IP buckets on the unauthenticated auth endpoints", () => {
  test("register: burst, then 429 with Retry-After and RateLimit-* headers; refills over time", async () => {
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await register("10.0.0.1", `r${i}`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = last as Response;
    expect(await refused.json()).toEqual({ error: "rate_limited", message: "Too many requests, slow down" });
    expect(refused.headers.get("retry-after")).toBe("10");
    expect(refused.headers.get("ratelimit-limit")).toBe("3");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(refused.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    // Another IP has its own bucket.
    expect((await register("10.0.0.2", "other-ip")).status).toBe(201);
    clock += 10_000;
    expect((await register("10.0.0.1", "after-wait")).status).toBe(201);
  });

  test("successful answers carry RateLimit-* headers", async () => {
    const res = await register("10.0.0.3", "hdr");
    expect(res.headers.get("ratelimit-limit")).toBe("3");
    expect(res.headers.get("ratelimit-remaining")).toBe("2");
  });

  test("limited before the body is validated", async () => {
    for (let i = 0; i < 2; i++) {
      await t.request("POST", "/auth/challenge", { token: null, headers: from("10.0.1.1"), json: { actor: "nobody" } });
    }
    const res = await t.request("POST", "/auth/challenge", {
      token: null,
      headers: from("10.0.1.1"),
      body: "{not json",
    });
    expect(res.status).toBe(429);
  });

  test("verify and magic link have their own buckets", async () => {
    const verify = () =>
      t.request("POST", "/auth/verify", {
        token: null,
        headers: from("10.0.2.1"),
        json: { challenge_id: "x", actor: "x", signature: Buffer.alloc(64).toString("base64") },
      });
    expect([(await verify()).status, (await verify()).status, (await verify()).status]).toEqual([404, 404, 429]);
    const link = (email: string) =>
      t.request("POST", "/auth/magic-link", { token: null, headers: from("10.0.2.1"), json: { email } });
    expect((await link("a@example.com")).status).toBe(200);
    expect((await link("b@example.com")).status).toBe(200);
    expect((await link("c@example.com")).status).toBe(429);
  });

  test("magic links are also limited per address, whoever asks", async () => {
    const link = (ip: string) =>
      t.request("POST", "/auth/magic-link", { token: null, headers: from(ip), json: { email: "victim@example.com" } });
    expect((await link("10.0.3.1")).status).toBe(200);
    expect((await link("10.0.3.2")).status).toBe(429);
  });
});

describe("per credential on authenticated routes", () => {
  test("a key's bucket is its own", async () => {
    const session = await registerAndLogin(t, naclSigner("heavy"));
    const key = await createKey(t, session);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.request("GET", "/auth/me", { token: key.token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const other = await createKey(t, session);
    expect((await t.request("GET", "/auth/me", { token: other.token })).status).toBe(200);
  });
});

describe("uploads count against the key's bucket", () => {
  test("at the edge and through the app alike, and the refusal says when to come back", async () => {
    const session = await registerAndLogin(t, naclSigner("uploader"));
    const key = await createKey(t, session);
    const put = (path: string) => t.request("PUT", path, { token: key.token, body: "bytes" });
    // Answered at the edge (no query) and by the app's route (a commit message).
    const answers = [
      await put("/files/up/1.txt"),
      await put("/files/up/2.txt?message=two"),
      await put("/files/up/3.txt"),
      await put("/files/up/4.txt?message=four"),
      await put("/files/up/5.txt"),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    for (const path of ["/files/up/6.txt", "/files/up/6.txt?message=six"]) {
      const refused = await put(path);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ error: "rate_limited", message: "Too many requests, slow down" });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect((await t.request("GET", "/files/up/6.txt", { headers: { accept: "application/json" } })).status).toBe(404);
  });
});

describe("bad-token floods", () => {
  test("an IP that keeps failing is refused before argon2 runs", async () => {
    const session = await registerAndLogin(t, naclSigner("flood-target"));
    const key = await createKey(t, session);
    // A real key id with a wrong (well-formed, checksummed) secret: the one case that costs an argon2 verify.
    const wrong = () => issueToken("live", key.id).text;
    const before = t.ctx.verifier.argon2Verifications;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await t.request("GET", "/auth/me", { token: wrong(), headers: from("10.9.9.9") });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    expect(t.ctx.verifier.argon2Verifications - before).toBe(3);
    // The good key from the same IP is refused too while the IP cools down; another IP is fine.
    expect((await t.request("GET", "/auth/me", { token: key.token, headers: from("10.9.9.9") })).status).toBe(429);
    expect((await t.request("GET", "/auth/me", { token: key.token, headers: from("10.9.9.8") })).status).toBe(200);
    clock += 10_000;
    expect((await t.request("GET", "/auth/me", { token: key.token, headers: from("10.9.9.9") })).status).toBe(200);
  });

  test("successful requests do not count as failures", async () => {
    for (let i = 0; i < 4; i++) {
      expect((await t.request("GET", "/auth/me", { headers: from("10.8.8.8") })).status).toBe(200);
    }
  });
});

describe("configuration", () => {
  test("rate_limits.enabled: false turns every bucket off", async () => {
    const app = makeTestApp({
      config: { server: { trust_proxy: true }, rate_limits: { enabled: false, register: { burst: 1, per_minute: 1 } } },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await app.request("POST", "/auth/register", {
          token: null,
          headers: from("10.1.1.1"),
          json: { actor: `n${i}`, public_key: Buffer.alloc(32, 9).toString("base64") },
        });
        expect(res.status).toBe(201);
      }
    } finally {
      await app.close();
    }
  });

  test("without trust_proxy, X-Forwarded-For is ignored (in-process requests carry no address)", async () => {
    const app = makeTestApp({ config: { rate_limits: { register: { burst: 1, per_minute: 1 } } } });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await app.request("POST", "/auth/register", {
          token: null,
          headers: from(`10.2.2.${i}`),
          json: { actor: `m${i}`, public_key: Buffer.alloc(32, 9).toString("base64") },
        });
        expect(res.status).toBe(201);
      }
    } finally {
      await app.close();
    }
  });
});
