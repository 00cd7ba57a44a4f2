import { afterEach, describe, expect, test } from "bun:test";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/** Webhook management through app.handle: the private-address rule, permissions, validation. */

let t: TestApp;
afterEach(() => t?.close());

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await t.request("POST", "/auth/keys", { json: body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

describe("POST /hooks", () => {
  test.each([
    "http://127.0.0.1/hook",
    "http://localhost:8080/hook",
    "http://10.0.0.5/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:192.168.0.1]/hook",
  ])("refuses a private or loopback target by default: %s", async (url) => {
    t = makeTestApp();
    const response = await t.request("POST", "/hooks", { json: { url } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "bad_request" });
    expect(((await (await t.request("GET", "/hooks")).json()) as { hooks: unknown[] }).hooks).toEqual([]);
  });

  test("webhooks.allow_private lets them through; the secret is shown once", async () => {
    t = makeTestApp({ config: { webhooks: { allow_private: true } } });
    const response = await t.request("POST", "/hooks", { json: { url: "http://127.0.0.1:9/hook" } });
    expect(response.status).toBe(201);
    const hook = (await response.json()) as Record<string, unknown>;
    expect(hook).toMatchObject({
      url: "http://127.0.0.1:9/hook",
      prefix: "",
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(hook.actions).toContain("upload");
    const listed = (await (await t.request("GET", "/hooks")).json()) as { hooks: Array<Record<string, unknown>> };
    const { secret: _secret, ...shown } = hook;
    expect(listed.hooks).toEqual([shown]);
  });

  test("a prefix key's hooks stay inside its prefix; other accounts' and spaces' hooks are invisible", async () => {
    t = makeTestApp({ config: { webhooks: { allow_private: true } } });
    const docs = await createKey({ name: "docs", prefix: "docs/", scopes: ["files:read"] });
    const sandbox = await createKey({ name: "sandbox", environment: "test" });
    const narrowed = await t.request("POST", "/hooks", { token: docs, json: { url: "http://127.0.0.1:9/a" } });
    expect(((await narrowed.json()) as { prefix: string }).prefix).toBe("docs/");
    const outside = await t.request("POST", "/hooks", {
      token: docs,
      json: { url: "http://127.0.0.1:9/a", prefix: "secret/" },
    });
    expect(outside.status).toBe(403);
    const master = (await (await t.request("POST", "/hooks", { json: { url: "http://127.0.0.1:9/all" } })).json()) as {
      id: string;
    };
    // The docs key sees only its own hook; the test key, none of the live ones.
    const seen = (token: string) =>
      t
        .request("GET", "/hooks", { token })
        .then((r) => r.json())
        .then((b) => (b as { hooks: Array<{ url: string }> }).hooks.map((h) => h.url));
    expect(await seen(docs)).toEqual(["http://127.0.0.1:9/a"]);
    expect(await seen(sandbox)).toEqual([]);
    expect((await t.request("DELETE", `/hooks/${master.id}`, { token: docs })).status).toBe(404);
    expect((await t.request("GET", `/hooks/${master.id}/deliveries`, { token: sandbox })).status).toBe(404);
    expect((await t.request("DELETE", `/hooks/${master.id}`)).status).toBe(200);
  });

  test("only actions the log records are accepted: a share link is no change, so 'share' is refused", async () => {
    t = makeTestApp({ config: { webhooks: { allow_private: true } } });
    const refused = await t.request("POST", "/hooks", { json: { url: "http://127.0.0.1:9/a", actions: ["share"] } });
    expect(refused.status).toBe(400);
    const made = await t.request("POST", "/hooks", { json: { url: "http://127.0.0.1:9/a" } });
    expect(((await made.json()) as { actions: string[] }).actions).toEqual([
      "upload",
      "move",
      "copy",
      "mkdir",
      "delete",
      "restore",
    ]);
  });

  test("a credential without files:read cannot manage hooks", async () => {
    t = makeTestApp({ config: { webhooks: { allow_private: true } } });
    const writer = await createKey({ name: "w", scopes: ["files:write"] });
    const response = await t.request("POST", "/hooks", { token: writer, json: { url: "http://127.0.0.1:9/a" } });
    expect(response.status).toBe(403);
  });
});

describe("GET /ws/events without a server", () => {
  test("answers 426 with a JSON error; a test key asking for /ws/live is 403", async () => {
    t = makeTestApp();
    const plain = await t.request("GET", "/ws/events");
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ error: "upgrade_required" });
    const sandbox = await createKey({ name: "sandbox", environment: "test" });
    expect((await t.request("GET", "/ws/live", { token: sandbox })).status).toBe(403);
    expect((await t.request("GET", "/ws/test", { token: sandbox })).status).toBe(426);
  });
});
