import { afterAll, describe, expect, test } from "bun:test";
import { issueToken, parseIssuedToken } from "../../src/lib/token-format";
import { MASTER, makeTestApp, type TestApp } from "../fixtures/harness";
import { runScenarios, type Scenario, sendScenario } from "../fixtures/scenario";

// POST /auth/tokens (seed 000, "Programmatic Token Generation") and the lifecycle of the
// tokens it mints: TTL, single use under a race, sweep, and the argon2-free steady state.
const T0 = Date.parse("2030-01-01T00:00:00.000Z");
const auth = { authorization: `Bearer ${MASTER}` };
const INVALID = { error: "unauthorized", message: "Unauthorized" };

function countRows(app: TestApp): number {
  return (app.db.query("SELECT count(*) AS n FROM credentials").get() as { n: number }).n;
}

async function mint(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await app.request("POST", "/auth/tokens", { json: body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const getMe = (app: TestApp, token: string) => app.request("GET", "/auth/me", { token });

describe("ttl", () => {
  const t = makeTestApp({ now: () => T0 });
  afterAll(() => t.close());

  const good: [string, number][] = [
    ["30s", 30_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["365d", 31_536_000_000],
    ["8760h", 31_536_000_000],
  ];
  for (const [ttl, ms] of good) {
    test(`${ttl} → 200, expires_at = now + ${ttl}`, async () => {
      const res = await t.request("POST", "/auth/tokens", { json: { ttl } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { token: string; expires_at: string };
      expect(Object.keys(body).sort()).toEqual(["expires_at", "token"]);
      expect(body.expires_at).toBe(new Date(T0 + ms).toISOString());
      expect(parseIssuedToken(body.token)?.kind).toBe("tok");
    });
  }

  const bad = (name: string, body: unknown): Scenario => ({
    name,
    method: "POST",
    url: "/auth/tokens",
    headers: auth,
    body,
    status: 400,
    contains: { error: "bad_request" },
  });
  const refused = [
    bad("0s", { ttl: "0s" }),
    bad("1w (no week unit)", { ttl: "1w" }),
    bad("1.5h", { ttl: "1.5h" }),
    bad("-1h", { ttl: "-1h" }),
    bad("empty string", { ttl: "" }),
    bad("unit only", { ttl: "h" }),
    bad("number only", { ttl: "60" }),
    bad("upper-case unit", { ttl: "1H" }),
    bad("leading zero", { ttl: "01h" }),
    bad("space inside", { ttl: "1 h" }),
    bad("trailing newline", { ttl: "1h\n" }),
    bad("two units", { ttl: "1h30m" }),
    bad("366d (over a year)", { ttl: "366d" }),
    bad("400d", { ttl: "400d" }),
    bad("9999999d", { ttl: "9999999d" }),
    bad("a 100 000-digit number", { ttl: `${"9".repeat(100_000)}d` }),
    bad("a huge string", { ttl: "x".repeat(1_000_000) }),
    bad("number instead of string", { ttl: 3600 }),
    bad("null", { ttl: null }),
    bad("boolean", { ttl: true }),
    bad("object", { ttl: { h: 1 } }),
    bad("missing ttl", {}),
    bad("missing ttl, only remove_on_use", { remove_on_use: true }),
    bad("remove_on_use as a string", { ttl: "1h", remove_on_use: "yes" }),
  ];
  runScenarios(t, refused);

  test("a bad ttl names the field and the accepted format", async () => {
    const res = await t.request("POST", "/auth/tokens", { json: { ttl: "1w" } });
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain("ttl");
    expect(body.message).toContain("7d");
  });

  test("a rejected request stores no token", async () => {
    const before = countRows(t);
    for (const row of refused) expect((await sendScenario(t, row)).status).toBe(400);
    expect(countRows(t)).toBe(before);
  });
});

describe("request bodies that are not the expected JSON → clean 4xx, never 500", () => {
  const t = makeTestApp();
  afterAll(() => t.close());
  const row = (name: string, body: string, contentType: string | null, status = 400): Scenario => ({
    name,
    method: "POST",
    url: "/auth/tokens",
    headers: contentType === null ? auth : { ...auth, "content-type": contentType },
    body,
    status,
    contains: {
      error:
        status === 401
          ? "unauthorized"
          : status === 413
            ? "payload_too_large"
            : status === 415
              ? "unsupported_media_type"
              : "bad_request",
    },
  });
  runScenarios(t, [
    row("malformed JSON", '{"ttl": "1h"', "application/json"),
    row("not JSON at all", "ttl=1h&&&", "application/json"),
    row("JSON array", '["1h"]', "application/json"),
    row("JSON string", '"1h"', "application/json"),
    row("JSON null", "null", "application/json"),
    row("JSON number", "3600", "application/json"),
    row("empty body", "", "application/json"),
    // JSON routes take only JSON: any other declared type is 415 before the body is read.
    row("text/plain", '{"ttl":"1h"}', "text/plain", 415),
    row("application/octet-stream", '{"ttl":"1h"}', "application/octet-stream", 415),
    row("multipart without parts", "garbage", "multipart/form-data; boundary=x", 415),
    row("form", "ttl=1h", "application/x-www-form-urlencoded", 415),
    row("nonsense Content-Type", '{"ttl":"1h"}', "no/such; type", 415),
    row("no Content-Type", '{"ttl":"1h"}', null),
    // Over server.max_body_bytes: refused as it is read, before any parsing.
    row("huge malformed JSON (4 MiB)", `{"ttl":"${"x".repeat(4 * 1024 * 1024)}`, "application/json", 413),
    row("deeply nested JSON", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, "application/json"),
  ]);

  test("a JSON body over server.max_body_bytes (1 MiB by default) → 413 payload_too_large", async () => {
    const body = JSON.stringify({ ttl: "1h", pad: "x".repeat(2 * 1024 * 1024) });
    const res = await t.request("POST", "/auth/tokens", {
      body,
      headers: { "content-type": "application/json", "content-length": String(body.length) },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("payload_too_large");
  });

  // A body sent without Content-Length (chunked) is counted as it is read.
  test("a JSON body over the limit without Content-Length → 413", async () => {
    const res = await t.request("POST", "/auth/tokens", { json: { ttl: "1h", pad: "x".repeat(2 * 1024 * 1024) } });
    expect(res.status).toBe(413);
  });

  test("anonymous callers get 401 whatever the body", async () => {
    for (const body of ["{bad", "[]", "x".repeat(1024 * 1024)]) {
      const res = await t.request("POST", "/auth/tokens", {
        token: null,
        body,
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(401);
    }
  });
});

describe("single-use tokens", () => {
  const t = makeTestApp();
  afterAll(() => t.close());

  test("20 concurrent requests with one token → exactly one 200", async () => {
    const token = await mint(t, { ttl: "1h", remove_on_use: true });
    const responses = await Promise.all(Array.from({ length: 20 }, () => getMe(t, token)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(19).fill(401)]);
    for (const r of responses.filter((r) => r.status === 401)) expect(await r.json()).toEqual(INVALID);
    expect((await getMe(t, token)).status).toBe(401);
  });

  test("authenticates once, then 401 Unauthorized; the row is gone", async () => {
    const before = countRows(t);
    const token = await mint(t, { ttl: "1h", remove_on_use: true });
    expect(countRows(t)).toBe(before + 1);
    expect((await getMe(t, token)).status).toBe(200);
    expect(countRows(t)).toBe(before);
    const second = await getMe(t, token);
    expect(second.status).toBe(401);
    expect(await second.json()).toEqual(INVALID);
  });

  test("a token without remove_on_use is reusable", async () => {
    const token = await mint(t, { ttl: "1h", remove_on_use: false });
    for (let i = 0; i < 3; i++) expect((await getMe(t, token)).status).toBe(200);
  });
});

describe("expiry and the sweep", () => {
  let clock = T0;
  const t = makeTestApp({ now: () => clock });
  afterAll(() => t.close());

  test("a 30s token works until the last millisecond and not at 30s", async () => {
    clock = T0;
    const token = await mint(t, { ttl: "30s" });
    clock = T0 + 29_999;
    expect((await getMe(t, token)).status).toBe(200);
    clock = T0 + 30_000;
    const res = await getMe(t, token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "unauthorized", message: "Token expired" });
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="lightd", error="invalid_token", error_description="Token expired"',
    );
  });

  test("every 401 names the bearer challenge (RFC 9110 §15.5.2, RFC 6750 §3): bare without a credential", async () => {
    const none = await t.request("GET", "/auth/me", { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="lightd"');
    const unknown = await getMe(t, issueToken("tok", "AAAAAAAAAAAAAAAA").text);
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("sweepExpired() deletes exactly the expired rows", async () => {
    clock = T0;
    t.db.run("DELETE FROM credentials");
    const short = await mint(t, { ttl: "30s" });
    await mint(t, { ttl: "15m" });
    const long = await mint(t, { ttl: "7d" });
    clock = T0 + 3_600_000;
    expect(countRows(t)).toBe(3);
    expect(await t.ctx.tokens.sweepExpired()).toBe(2);
    expect(countRows(t)).toBe(1);
    expect(await t.ctx.tokens.sweepExpired()).toBe(0);
    // Swept rows are simply unknown now; the survivor still works.
    expect(await (await getMe(t, short)).json()).toEqual(INVALID);
    expect((await getMe(t, long)).status).toBe(200);
  });
});

describe("steady state: argon2 once per token, the row read every time", () => {
  let clock = T0;
  const t = makeTestApp({ now: () => clock });
  afterAll(() => t.close());

  test("100 requests with one token run argon2 once", async () => {
    const token = await mint(t, { ttl: "1h" });
    const start = t.ctx.verifier.argon2Verifications;
    for (let i = 0; i < 100; i++) expect((await getMe(t, token)).status).toBe(200);
    expect(t.ctx.verifier.argon2Verifications - start).toBe(1);
  });

  test("the master token never runs argon2", async () => {
    const start = t.ctx.verifier.argon2Verifications;
    for (let i = 0; i < 20; i++) expect((await getMe(t, MASTER)).status).toBe(200);
    expect(t.ctx.verifier.argon2Verifications).toBe(start);
  });

  test("a wrong secret is never cached: every attempt pays argon2", async () => {
    const token = await mint(t, { ttl: "1h" });
    const wrong = issueToken("tok", parseIssuedToken(token)!.id).text;
    const start = t.ctx.verifier.argon2Verifications;
    for (let i = 0; i < 3; i++) expect(await (await getMe(t, wrong)).json()).toEqual(INVALID);
    expect(t.ctx.verifier.argon2Verifications - start).toBe(3);
    // The real token was never verified, so its first use still pays once.
    expect((await getMe(t, token)).status).toBe(200);
    expect(t.ctx.verifier.argon2Verifications - start).toBe(4);
  });

  test("a tampered token fails its checksum before the database or argon2", async () => {
    const token = await mint(t, { ttl: "1h" });
    const tampered = token.slice(0, 30) + (token[30] === "a" ? "b" : "a") + token.slice(31);
    const start = t.ctx.verifier.argon2Verifications;
    for (let i = 0; i < 3; i++) expect(await (await getMe(t, tampered)).json()).toEqual(INVALID);
    expect(t.ctx.verifier.argon2Verifications).toBe(start);
  });

  test("a cached token that is revoked is refused on the next request", async () => {
    const token = await mint(t, { ttl: "1h" });
    expect((await getMe(t, token)).status).toBe(200);
    const id = parseIssuedToken(token)!.id;
    expect(await t.ctx.metadata.write((tx) => tx.credentials.delete(id))).toBe(true);
    expect(await (await getMe(t, token)).json()).toEqual(INVALID);
  });

  test("a cached token that expires is refused on the next request", async () => {
    clock = T0;
    const token = await mint(t, { ttl: "30s" });
    expect((await getMe(t, token)).status).toBe(200);
    clock = T0 + 30_000;
    expect(await (await getMe(t, token)).json()).toEqual({ error: "unauthorized", message: "Token expired" });
    clock = T0;
  });

  test("uses are counted and flushed to the row", async () => {
    const token = await mint(t, { ttl: "1h" });
    for (let i = 0; i < 3; i++) await getMe(t, token);
    await t.ctx.verifier.flushUsage();
    const row = await t.ctx.metadata.read.credentials.findById(parseIssuedToken(token)!.id);
    expect(row?.use_count).toBe(3);
    expect(row?.last_used_at).toBe(clock);
  });
});

describe("GET /auth/me", () => {
  const t = makeTestApp();
  afterAll(() => t.close());

  test("describes the master token", async () => {
    const res = await getMe(t, MASTER);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      actor: "admin",
      source: "master",
      scopes: ["files:read", "files:write", "files:delete", "share", "keys:read", "keys:write", "admin"],
      prefix: "",
      space: "live",
    });
  });

  test("describes a programmatic token", async () => {
    const token = await mint(t, { ttl: "1h" });
    expect(await (await getMe(t, token)).json()).toMatchObject({ actor: "admin", source: "token", space: "live" });
  });

  test("is in the OpenAPI document with a response schema", async () => {
    const res = await t.request("GET", "/swagger/json", { token: null });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, { get?: { responses?: Record<string, unknown> } }> };
    expect(doc.paths["/auth/me"]?.get?.responses?.["200"]).toBeDefined();
  });
});
