import { afterAll, describe, expect, test } from "bun:test";
import { makeTestApp } from "../fixtures/harness";
import { routesAsking, urlOf } from "../fixtures/routes";

/**
 * Security rule: authentication comes before any validation, on every route. An anonymous
 * caller learns nothing about a route's query, parameters or body schema: whatever it sends,
 * a route that needs a credential answers 401. The routes are read from the app itself, so a
 * new route is covered the day it is added; the public ones are those the route catalogue
 * (tests/fixtures/routes.ts) marks public.
 */
const t = makeTestApp();
afterAll(() => t.close());

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

/** Routes anyone may call (health and docs, sign-in, share links, signed blob URLs, the dashboard, OAuth's public endpoints). */
const PUBLIC = new Set<string>(routesAsking("public"));

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
      .filter((name) => !PUBLIC.has(name));
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
