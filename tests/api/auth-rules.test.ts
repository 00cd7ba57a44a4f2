import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { newId } from "../../src/lib/ids";
import { issueToken, parseIssuedToken } from "../../src/lib/token-format";
import { MASTER, makeTestApp, type TestApp } from "../fixtures/harness";
import { checkScenario, runScenarios, type Scenario } from "../fixtures/scenario";

// The auth rules of issue 2 / SPEC "Tokens and keys", one row per rule. The clock is
// fixed: tokens are minted at T0, then time moves one hour on before any row runs.
const T0 = Date.parse("2030-01-01T00:00:00.000Z");
let clock = T0;
const t = makeTestApp({ now: () => clock });
afterAll(() => t.close());

const MISSING = { error: "unauthorized", message: "Missing or invalid authorization token" };
const INVALID = { error: "unauthorized", message: "Unauthorized" };
const EXPIRED = { error: "unauthorized", message: "Token expired" };
const MASTER_ONLY = { error: "forbidden", message: "Only the master token may do this" };

async function mint(app: TestApp, ttl: string, removeOnUse = false): Promise<string> {
  const res = await app.request("POST", "/auth/tokens", { json: { ttl, remove_on_use: removeOnUse } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const live = await mint(t, "7d");
const expired30s = await mint(t, "30s");
const expiredAtBoundary = await mint(t, "1h");
clock = T0 + 3_600_000;

const liveId = parseIssuedToken(live)!.id;
// Valid shape and checksum, but not a row: the server must say "Unauthorized", not "Missing".
const unknownId = issueToken("tok", newId()).text;
const wrongSecret = issueToken("tok", liveId).text;
const wrongKind = issueToken("ses", liveId).text;
const refreshKind = issueToken("ort", newId()).text;
const badChecksum = live.slice(0, -1) + (live.endsWith("A") ? "B" : "A");

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const apiKey = (token: string) => ({ authorization: `ApiKey ${token}` });
const me = "/auth/me";

/** GET /auth/me (any valid credential) with these headers → 401 and exactly this body. */
const refused = (name: string, headers: Record<string, string> | undefined, json: unknown, url = me): Scenario => ({
  name,
  method: "GET",
  url,
  headers,
  status: 401,
  json,
});
/** GET /auth/me with these headers → 200, acting as the given caller. */
const allowed = (
  name: string,
  headers: Record<string, string> | undefined,
  as: Record<string, unknown>,
  url = me,
): Scenario => ({
  name,
  method: "GET",
  url,
  headers,
  status: 200,
  contains: as,
});
/** POST /auth/tokens (master only) with a valid body. */
const minting = (name: string, headers: Record<string, string>, status: number, json?: unknown): Scenario => ({
  name,
  method: "POST",
  url: "/auth/tokens",
  headers,
  body: { ttl: "1h" },
  status,
  json,
});

describe("no, garbled or malformed token → 401 Missing or invalid authorization token", () => {
  runScenarios(t, [
    refused("no Authorization header", undefined, MISSING),
    refused("scheme without a token", { authorization: "Bearer" }, MISSING),
    refused("empty header", { authorization: "" }, MISSING),
    refused("Basic scheme", { authorization: "Basic dXNlcjpwYXNz" }, MISSING),
    refused("unknown scheme", { authorization: `Token ${MASTER}` }, MISSING),
    refused("token without a scheme", { authorization: MASTER }, MISSING),
    refused("two tokens after the scheme", { authorization: `Bearer ${MASTER} ${MASTER}` }, MISSING),
    refused("19 characters (one short)", bearer("lightd_0123456789ab"), MISSING),
    refused("just the prefix", bearer("lightd_"), MISSING),
    refused("not lightd_", bearer("ghp_0123456789abcdefghijklmnopqrstuv"), MISSING),
    refused("prefix in capitals", bearer(MASTER.replace("lightd_", "LIGHTD_")), MISSING),
    refused("non-ASCII characters", bearer(`lightd_${"é".repeat(20)}`), MISSING),
    refused("absurdly long token", bearer(`lightd_${"a".repeat(600)}`), MISSING),
    refused("empty ?token=", undefined, MISSING, `${me}?token=`),
    refused("short ?token=", undefined, MISSING, `${me}?token=lightd_x`),
    refused("garbage session cookie", { cookie: "lightd_session=nope" }, MISSING),
    refused(
      "a garbled header is not rescued by ?token=",
      { authorization: "Basic x" },
      MISSING,
      `${me}?token=${MASTER}`,
    ),
    minting("no token on a master-only route", {}, 401, MISSING),
    {
      name: "anonymous POST with a bad body is 401, not 400",
      method: "POST",
      url: "/auth/tokens",
      body: { ttl: 5 },
      status: 401,
      json: MISSING,
    },
  ]);
});

describe("unknown or wrong token → 401 Unauthorized", () => {
  runScenarios(t, [
    refused("well-formed but no such token", bearer("lightd_0123456789abcdefghijklmnopqrstuv"), INVALID),
    refused("issued shape, bad checksum", bearer(badChecksum), INVALID),
    refused("valid checksum, unknown id", bearer(unknownId), INVALID),
    refused("real id, wrong secret", bearer(wrongSecret), INVALID),
    refused("real id, wrong secret, as ApiKey", apiKey(wrongSecret), INVALID),
    refused("real id, wrong secret, as ?token=", undefined, INVALID, `${me}?token=${wrongSecret}`),
    refused("real id under another kind", bearer(wrongKind), INVALID),
    refused("a refresh-token kind is never a bearer token", bearer(refreshKind), INVALID),
    minting("a wrong secret cannot mint tokens", bearer(wrongSecret), 401, INVALID),
  ]);
});

describe("expired token → 401 Token expired (no sweep has run)", () => {
  runScenarios(t, [
    refused("30s token an hour later", bearer(expired30s), EXPIRED),
    refused("as ApiKey", apiKey(expired30s), EXPIRED),
    refused("as ?token=", undefined, EXPIRED, `${me}?token=${expired30s}`),
    refused("1h token at exactly its expiry", bearer(expiredAtBoundary), EXPIRED),
    minting("expired beats forbidden on a master-only route", bearer(expired30s), 401, EXPIRED),
  ]);

  test("the expired rows are still in the database", () => {
    const { n } = t.db.query("SELECT count(*) AS n FROM credentials WHERE expires_at <= ?1").get(clock) as {
      n: number;
    };
    expect(n).toBe(2);
  });
});

describe("every accepted way to present a token", () => {
  const asMaster = { actor: "admin", source: "master" };
  const asToken = { actor: "admin", source: "token" };
  const seedAccept = { accept: "Application/vnd.pkglatv1+json" };
  runScenarios(t, [
    allowed("master as Bearer", bearer(MASTER), asMaster),
    allowed("master as bearer (scheme in any case)", { authorization: `bearer ${MASTER}` }, asMaster),
    allowed("master as ApiKey", apiKey(MASTER), asMaster),
    allowed("master as ?token=", undefined, asMaster, `${me}?token=${MASTER}`),
    allowed("master as session cookie", { cookie: `a=b; lightd_session=${MASTER}` }, asMaster),
    allowed("programmatic as Bearer", bearer(live), asToken),
    allowed("programmatic as ApiKey", apiKey(live), asToken),
    allowed("programmatic as ?token=", undefined, asToken, `${me}?token=${live}`),
    allowed("programmatic as ?token= among other parameters", undefined, asToken, `${me}?a=1&token=${live}&b=2`),
    allowed("programmatic with the seed's Accept header", { ...bearer(live), ...seedAccept }, asToken),
  ]);
});

describe("only the master token mints tokens", () => {
  runScenarios(t, [
    minting("programmatic token as Bearer → 403", bearer(live), 403, MASTER_ONLY),
    minting("programmatic token as ApiKey → 403", apiKey(live), 403, MASTER_ONLY),
    { ...minting("programmatic token as ?token= → 403", {}, 403, MASTER_ONLY), url: `/auth/tokens?token=${live}` },
    minting("master → 200", bearer(MASTER), 200),
  ]);
});

describe("unknown routes", () => {
  runScenarios(t, [
    {
      name: "404 as JSON",
      method: "GET",
      url: "/no/such/route",
      headers: bearer(MASTER),
      status: 404,
      json: { error: "not_found", message: "Route not found" },
    },
  ]);
});

describe("master token rotated in config.json", () => {
  const NEW_MASTER = "lightd_rotated_master_token_9876543210";
  const writeConfig = (app: TestApp, token: string) =>
    writeFileSync(
      app.ctx.config.path,
      JSON.stringify({
        authorization: { enabled: true, token },
        storage: { dir: `${app.dir}/data` },
        signing_secret: "test-signing-secret-0123456789abcdef0123456789",
      }),
    );

  test("the old master is refused at once, the new one works", async () => {
    const app = makeTestApp();
    try {
      await checkScenario(app, { name: "before", method: "GET", url: me, headers: bearer(MASTER), status: 200 });
      writeConfig(app, NEW_MASTER);
      app.ctx.config.reload();
      await checkScenario(app, {
        name: "old",
        method: "GET",
        url: me,
        headers: bearer(MASTER),
        status: 401,
        json: INVALID,
      });
      await checkScenario(app, {
        name: "old cannot mint",
        method: "POST",
        url: "/auth/tokens",
        headers: bearer(MASTER),
        body: { ttl: "1h" },
        status: 401,
        json: INVALID,
      });
      await checkScenario(app, { name: "new", method: "GET", url: me, headers: bearer(NEW_MASTER), status: 200 });
    } finally {
      await app.close();
    }
  });

  test("an invalid config.json keeps the previous master", async () => {
    const app = makeTestApp();
    try {
      writeConfig(app, "lightd_short");
      app.ctx.config.reload();
      await checkScenario(app, { name: "kept", method: "GET", url: me, headers: bearer(MASTER), status: 200 });
    } finally {
      await app.close();
    }
  });
});

describe("authorization.enabled: false", () => {
  const open = makeTestApp({ config: { authorization: { enabled: false } } });
  afterAll(() => open.close());
  runScenarios(open, [
    { name: "protected GET without a token", method: "GET", url: me, status: 200, contains: { source: "master" } },
    { name: "master-only POST without a token", method: "POST", url: "/auth/tokens", body: { ttl: "1h" }, status: 200 },
    { name: "ping", method: "GET", url: "/api/v1/public/ping", status: 200, contains: { ok: true } },
    { name: "body validation still applies", method: "POST", url: "/auth/tokens", body: { ttl: "1w" }, status: 400 },
  ]);
});
