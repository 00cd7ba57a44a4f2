import { afterAll, expect, test } from "bun:test";
import { makeTestApp } from "../fixtures/harness";

const t = makeTestApp();
afterAll(() => t.close());

test("ping is public", async () => {
  const res = await t.request("GET", "/api/v1/public/ping", { token: null });
  expect(res.status).toBe(200);
  expect((await res.json()).ok).toBe(true);
});

test("a programmatic token authenticates", async () => {
  const res = await t.request("POST", "/auth/tokens", { json: { ttl: "1h" } });
  expect(res.status).toBe(200);
  const { token } = await res.json();
  const again = await t.request("POST", "/auth/tokens", { token, json: { ttl: "1h" } });
  expect(again.status).toBe(403);
});

test("anonymous bad body is 401, not 400", async () => {
  const res = await t.request("POST", "/auth/tokens", { token: null, json: { ttl: 5 } });
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ error: "unauthorized", message: "Missing or invalid authorization token" });
});
