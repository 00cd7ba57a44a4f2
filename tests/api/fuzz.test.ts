import { afterAll, beforeAll, expect, test } from "bun:test";
import { buildCase, type Credentials, type FuzzCase, toRequest } from "../fixtures/fuzz-build";
import { type Operation, operationsOf } from "../fixtures/fuzz-operations";
import { Rng } from "../fixtures/fuzz-requests";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * Every operation lightd has, fed hostile input through `app.handle`: the server never answers
 * 5xx, every 4xx is a JSON `{error, message}` (`{error, error_description}` on OAuth's protocol
 * endpoints, and nothing else there), and an anonymous call to a protected route is
 * refused as such (never validated first). Fixed seed and count, so a run is reproducible.
 */

const SEED = 0x11d7;
/** Random requests per operation: about 15,000 requests, under a minute on two busy cores. */
const PER_OPERATION = 300;

let t: TestApp;
let ops: Operation[];
let creds: Credentials;

beforeAll(async () => {
  // Rate limits off: the point is to reach every handler, not to be throttled before it. A
  // public_url, so the OAuth endpoints reach their handlers instead of answering 503 "not configured".
  t = makeTestApp({ config: { rate_limits: { enabled: false }, server: { public_url: "http://localhost" } } });
  for (const path of ["docs/a.txt", "a.txt", "d/%F4%8F%BF%BFx", "x/y/z.bin"]) {
    expect((await t.request("PUT", `/files/${path}`, { body: "hello" })).status).toBe(200);
  }
  const key = await t.request("POST", "/auth/keys", {
    json: { name: "fuzz", prefix: "docs/", scopes: ["files:read"] },
  });
  creds = { master: t.master, limited: (await key.json()).token };
  const doc = await (await t.request("GET", "/swagger/json")).json();
  ops = operationsOf(doc, t.app.routes);
});

afterAll(() => t.close());

interface Failure {
  request: string;
  status: number;
  body: string;
  why: string;
}

/**
 * OAuth's protocol endpoints: the metadata, token, revocation and introspection endpoints and the
 * registration endpoint with its client URLs. Every error they answer — the handler's, the
 * guard's, the Accept rule's, the body cap's, the router's — is RFC 6749/7591
 * `{error, error_description}`; every other path answers `{error, message}`. Never either.
 */
function speaksRfc6749(url: string): boolean {
  const path = new URL(url).pathname.replace(/(.)\/$/, "$1");
  return (
    ["/.well-known/oauth-authorization-server", "/oauth/token", "/oauth/revoke", "/oauth/introspect"].includes(path) ||
    path === "/oauth/clients" ||
    path.startsWith("/oauth/clients/")
  );
}

async function check(c: FuzzCase, op: Operation, failures: Failure[]): Promise<void> {
  const request = toRequest(c);
  if (!request) return;
  const response = await t.handle(request);
  // Success bodies are not checked (a 3 MB docs asset would only cost time).
  const body = response.status >= 400 ? await response.text() : "";
  if (response.status < 400) await response.body?.cancel();
  const fail = (why: string) =>
    failures.push({
      request: `${c.method} ${c.url.slice(0, 200)} ${JSON.stringify(c.headers).slice(0, 200)}`,
      status: response.status,
      body: body.slice(0, 300),
      why,
    });
  // 507 insufficient_storage is a deliberate answer (a fuzzed quota left no room), not a failure.
  const outOfSpace = response.status === 507 && body.includes('"insufficient_storage"');
  if (response.status >= 500 && !outOfSpace) return void fail("5xx");
  // The authorization endpoint shows a person (Accept: text/html) an error page instead of
  // redirecting to an unverified client (RFC 6749 §4.1.2.1), and so does a share link (the
  // one lightd URL people open in a browser tab); other clients get JSON.
  const errorPage =
    (op.path === "/oauth/authorize" || new URL(request.url).pathname.startsWith("/s/")) &&
    c.headers.some(([k, v]) => k.toLowerCase() === "accept" && v.includes("text/html")) &&
    !!response.headers.get("content-type")?.startsWith("text/html");
  if (response.status >= 400 && c.method !== "HEAD" && !errorPage) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return void fail("4xx body is not JSON");
    }
    if (!response.headers.get("content-type")?.startsWith("application/json")) fail("4xx without a JSON content type");
    // Decided by the path the server saw (a fuzzed `..` may have led elsewhere), not the operation.
    const described = speaksRfc6749(request.url) ? "error_description" : "message";
    const fields = parsed as Record<string, unknown>;
    const keys = Object.keys(fields).sort();
    const wellFormed =
      typeof fields.error === "string" &&
      typeof fields[described] === "string" &&
      JSON.stringify(keys) === JSON.stringify([described, "error"].sort());
    if (!wellFormed) fail(`4xx body is not {error, ${described}}`);
  }
  if (c.anonymous && !op.public && response.status < 401 && stillNamesRoute(c.url, op)) {
    fail("anonymous call to a protected route not refused");
  }
}

/**
 * False when URL parsing resolved the request to another route: `/files/%2e%2e` is `/files/..`,
 * which every client and server normalises to `/` (a public page), not a file route.
 */
function stillNamesRoute(url: string, op: Operation): boolean {
  const fixed = op.path.slice(0, op.path.indexOf("{") === -1 ? undefined : op.path.indexOf("{"));
  return new URL(url).pathname.startsWith(fixed);
}

function report(failures: Failure[]): string {
  return failures
    .slice(0, 15)
    .map((f) => `${f.why}: ${f.request} → ${f.status} ${f.body}`)
    .join("\n");
}

test("the fuzzed operations include every route of the app, documented or not", () => {
  const covered = new Set(ops.map((op) => `${op.method} ${op.path}`));
  for (const route of ["GET /files/{path}", "HEAD /files/{path}", "PUT /files/{path}", "DELETE /files/{path}"]) {
    expect(covered).toContain(route);
  }
  expect(ops.length).toBeGreaterThanOrEqual(t.app.routes.length);
});

test("every limit parameter of the document is bounded to 1–1000", () => {
  for (const op of ops) {
    for (const param of op.parameters.filter((p) => p.name === "limit")) {
      expect({ op: `${op.method} ${op.path}`, minimum: param.schema.minimum, maximum: param.schema.maximum }).toEqual({
        op: `${op.method} ${op.path}`,
        minimum: 1,
        maximum: 1000,
      });
    }
  }
});

test("known hostile input on every operation answers 4xx JSON, never 5xx", async () => {
  const failures: Failure[] = [];
  const auth: [string, string] = ["authorization", `Bearer ${t.master}`];
  for (const op of ops) {
    const path = op.path.replace(/\{[^}]+\}/g, (m) => (m === "{path}" ? "docs/a.txt" : "abc"));
    const cases: FuzzCase[] = [
      { method: op.method, url: `http://localhost${path}`, headers: [["cookie", "lightd_session=%"]], anonymous: true },
      { method: op.method, url: `http://nas${path}`, headers: [["cookie", "lightd_session=%"]], anonymous: true },
    ];
    for (const query of [
      "limit=1e20",
      "offset=1e308",
      "limit=-1",
      "limit=0",
      "limit=1001",
      "since_tx=1e308",
      "q=%00abc",
    ]) {
      const name = query.split("=")[0];
      if (op.parameters.some((p) => p.in === "query" && p.name === name)) {
        cases.push({ method: op.method, url: `http://localhost${path}?${query}`, headers: [auth], anonymous: false });
      }
    }
    for (const c of cases) await check(c, op, failures);
  }
  expect(report(failures)).toBe("");
});

test("random hostile requests to every operation: no 5xx, JSON errors, authentication first", async () => {
  const rng = new Rng(SEED);
  const failures: Failure[] = [];
  let sent = 0;
  for (let round = 0; round < PER_OPERATION; round++) {
    for (const op of ops) {
      await check(buildCase(op, rng, creds), op, failures);
      sent++;
    }
  }
  expect(sent).toBe(PER_OPERATION * ops.length);
  expect(report(failures)).toBe("");
}, 240_000);
