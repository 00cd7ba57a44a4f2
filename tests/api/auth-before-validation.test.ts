import { afterAll, describe, expect, test } from "bun:test";
import { makeTestApp } from "../fixtures/harness";

/**
 * Security rule: authentication comes before any validation, on every route. An anonymous
 * caller learns nothing about a route's query, parameters or body schema: whatever it sends,
 * a route that needs a credential answers 401. The routes are read from the app itself, so a
 * new route is covered the day it is added.
 */
const t = makeTestApp();
afterAll(() => t.close());

/** A concrete URL for a route pattern: `:param` and `*` filled with plausible values. */
const urlOf = (path: string) => path.replace(/:[A-Za-z_]+/g, "x1").replace(/\*$/, "docs/a.txt");

/** Query strings no route accepts: wrong types, out-of-range numbers, oversize values, arrays. */
const BAD_QUERIES = [
  "limit=abc&offset=-1&after=zz&expires_in=-5",
  `message=${"m".repeat(5000)}&prefix=../../etc&q=`,
  "depth=7&recursive=maybe&format=%ZZ&unknown[]=1&unknown[]=2",
];

/** Bodies no route accepts: malformed JSON, wrong shapes, absurd nesting, a form, bytes. */
const BAD_BODIES: Array<{ name: string; type: string; body: string }> = [
  { name: "malformed JSON", type: "application/json", body: '{"path": ' },
  { name: "wrong JSON shape", type: "application/json", body: '{"unexpected": [1, {"x": null}], "path": 5}' },
  { name: "deeply nested JSON", type: "application/json", body: `${"[".repeat(5000)}${"]".repeat(5000)}` },
  { name: "a form", type: "application/x-www-form-urlencoded", body: "path=a&path=b" },
  { name: "XML", type: "application/xml", body: "<?xml version='1.0'?><D:propfind xmlns:D='DAV:'><D:bad" },
];

/** Routes anyone may call: health and docs, sign-in and registration, share links, signed blob URLs, the dashboard, OAuth. */
const PUBLIC: RegExp[] = [
  /^GET \/$/,
  /^GET \/swagger(\/|$)/,
  /^GET \/ui\/assets\//,
  /^GET \/api\/v1\/public\/ping$/,
  /^(GET|PUT) \/blobs\/:key$/,
  /^POST \/auth\/(register|challenge|verify|session|magic-link)$/,
  /^(GET|POST) \/auth\/magic-link\/verify$/,
  // OAuth: discovery, the authorization endpoint (a browser page; its POST signs nothing in without
  // the session) and the endpoints where apps authenticate with their own client credentials.
  /^GET \/\.well-known\/oauth-authorization-server$/,
  /^(GET|POST) \/oauth\/authorize$/,
  /^POST \/oauth\/(token|revoke|introspect)$/,
];

const routes = [
  ...new Map(
    t.app.routes.filter((r) => r.method !== "HEAD").map((r) => [`${r.method} ${r.path}`, r] as const),
  ).values(),
];

// Which routes answer a bare anonymous request with 401 (the rest are public by design).
const bare = await Promise.all(
  routes.map(async (r) => ({ route: r, status: (await t.request(r.method, urlOf(r.path), { token: null })).status })),
);
const protectedRoutes = bare.filter((b) => b.status === 401).map((b) => b.route);

describe("anonymous requests with bad input get 401 on every route that needs a credential", () => {
  test("the public routes are the known ones; every other route needs a credential", () => {
    const publicRoutes = bare
      .filter((b) => b.status !== 401)
      .map((b) => `${b.route.method} ${b.route.path}`)
      .filter((name) => !PUBLIC.some((pattern) => pattern.test(name)));
    expect(publicRoutes).toEqual([]);
    expect(protectedRoutes.length).toBeGreaterThan(30);
  });

  for (const route of protectedRoutes) {
    const url = urlOf(route.path);
    test(`${route.method} ${route.path}`, async () => {
      const statuses: Record<string, number> = {};
      for (const query of BAD_QUERIES) {
        const res = await t.request(route.method, `${url}?${query}`, { token: null });
        statuses[`query ${query.slice(0, 30)}`] = res.status;
      }
      if (route.method !== "GET") {
        for (const bad of BAD_BODIES) {
          const res = await t.request(route.method, url, {
            token: null,
            headers: { "content-type": bad.type },
            body: bad.body,
          });
          statuses[bad.name] = res.status;
        }
      }
      const unexpected = Object.entries(statuses).filter(([, status]) => status !== 401);
      expect(unexpected).toEqual([]);
    });
  }
});
