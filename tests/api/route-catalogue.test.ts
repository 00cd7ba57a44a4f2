import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ACCOUNT_SCOPES } from "../../src/domain/principal";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";
import { type Access, partsOf, ROUTE_CATALOGUE, type RouteName, servedRoutes, urlOf } from "../fixtures/routes";

/**
 * The route catalogue (tests/fixtures/routes.ts) is the list the table-driven tests share:
 * here it is held against the app, so a new route fails until it is catalogued with what it
 * asks of its caller, and each entry's access is checked by a request.
 */
// With a public URL OAuth answers (without one its endpoints are 503 by design).
const t = makeTestApp({ config: { server: { public_url: "http://localhost" } } });
afterAll(() => t.close());

const entries = Object.entries(ROUTE_CATALOGUE) as [RouteName, Access][];
const method = (name: string) => (partsOf(name)[0] === "ALL" ? "PROPFIND" : partsOf(name)[0]);
const send = (name: string, token: string | null) => t.request(method(name), urlOf(partsOf(name)[1]), { token });

let session = "";
let fullKey = "";
const lacking = new Map<string, string>();

beforeAll(async () => {
  session = await registerAndLogin(t, naclSigner("catalogue"));
  fullKey = (await createKey(t, session, { name: "full" })).token;
  for (const scope of ACCOUNT_SCOPES) {
    const scopes = ACCOUNT_SCOPES.filter((s) => s !== scope);
    lacking.set(scope, (await createKey(t, session, { scopes, name: `no ${scope}` })).token);
  }
});

test("the catalogue lists every route the app serves, and nothing else", () => {
  const served = servedRoutes(t.app).sort();
  expect(served.filter((name) => !(name in ROUTE_CATALOGUE))).toEqual([]);
  expect(Object.keys(ROUTE_CATALOGUE).filter((name) => !served.includes(name))).toEqual([]);
});

describe("each route asks what the catalogue says", () => {
  for (const [name, access] of entries) {
    if (access === "public") {
      test(`${name}: public — the master token changes nothing, and bad input is no 500`, async () => {
        const anonymous = (await send(name, null)).status;
        expect({ anonymous, master: (await send(name, t.master)).status }).toEqual({ anonymous, master: anonymous });
        expect(anonymous).toBeLessThan(500);
      });
      continue;
    }
    test(`${name}: ${access} — an anonymous caller gets 401`, async () => {
      expect((await send(name, null)).status).toBe(401);
    });
    if (access === "admin" || access === "master") {
      test(`${name}: ${access} — a key of an ordinary account with every scope gets 403`, async () => {
        const res = await send(name, fullKey);
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: string }).error).toBe("forbidden");
      });
    } else if (access !== "credential" && access !== "dav") {
      test(`${name}: ${access} — a key lacking only that scope gets 403`, async () => {
        const res = await send(name, lacking.get(access) as string);
        expect(res.status).toBe(403);
        // The registration endpoint speaks RFC 7591's error body, the guard's refusals included.
        const described = partsOf(name)[1].startsWith("/oauth/clients") ? "error_description" : "message";
        if (method(name) !== "HEAD")
          expect(await res.json()).toEqual({ error: "forbidden", [described]: `Missing scope '${access}'` });
      });
      test(`${name}: ${access} — keys lacking any other scope pass the guard to an answer that is no 500`, async () => {
        const refused: Record<string, number> = {};
        for (const [scope, token] of lacking) {
          if (scope === access) continue;
          const { status } = await send(name, token);
          if (status === 401 || status === 403 || status >= 500) refused[scope] = status;
        }
        expect(refused).toEqual({});
      });
    }
  }
});
