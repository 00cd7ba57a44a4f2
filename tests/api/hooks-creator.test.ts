import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Server } from "bun";
import { Webhook } from "standardwebhooks";
import { login, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp, type TestApp } from "../fixtures/harness";
import { authorizationParams, basic, consent, ISSUER, postForm, REDIRECT, registerClient } from "../fixtures/oauth";

/**
 * A hook sees what its creator may read, and only while its creator may: revoking or the
 * expiry of the key that made it, or the end or lapse of the app authorization that made it, stops
 * its deliveries; the master token's and a person's own hooks keep going. Deliveries are
 * received by a real server and verified with the npm `standardwebhooks` library.
 */

// OAuth exchanges and refreshes run argon2 several times; a busy machine needs time.
setDefaultTimeout(120_000);

let t: TestApp;
let stopDelivery: (() => Promise<void>) | null = null;
let receiver: Receiver | null = null;
/**
 * How far the app's clock runs ahead of real time. It runs on, so a delivery attempt that
 * fails on a busy machine comes due again (after its backoff) as it would for real.
 */
let skew = 0;

afterEach(async () => {
  await stopDelivery?.();
  stopDelivery = null;
  await receiver?.server.stop(true);
  receiver = null;
  await t?.close();
});

/** Receives every hook's deliveries on one port; the path names the hook, and its secret verifies each. */
class Receiver {
  readonly got = new Map<string, string[]>();
  readonly secrets = new Map<string, string>();
  readonly rejected: string[] = [];
  readonly server: Server<undefined>;

  constructor() {
    this.server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const name = new URL(request.url).pathname.slice(1);
        const body = await request.text();
        try {
          const event = new Webhook(this.secrets.get(name) ?? "").verify(body, Object.fromEntries(request.headers)) as {
            data: { path: string };
          };
          this.got.set(name, [...(this.got.get(name) ?? []), event.data.path]);
          return new Response(null, { status: 204 });
        } catch (error) {
          this.rejected.push(`${name}: ${error}`);
          return new Response(null, { status: 400 });
        }
      },
    });
  }

  url(name: string): string {
    return `http://127.0.0.1:${this.server.port}/${name}`;
  }

  paths(name: string): string[] {
    return this.got.get(name) ?? [];
  }

  async waitFor(name: string, path: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!this.paths(name).includes(path)) {
      if (Date.now() > deadline) throw new Error(`hook ${name} never received ${path} (got ${this.paths(name)})`);
      await Bun.sleep(20);
    }
  }
}

function start(): Receiver {
  t = makeTestApp({
    config: { webhooks: { allow_private: true }, server: { public_url: ISSUER } },
    now: () => Date.now() + skew,
  });
  stopDelivery = t.ctx.hookDelivery.start();
  receiver = new Receiver();
  return receiver;
}

async function createHook(name: string, token: string): Promise<string> {
  const response = await t.request("POST", "/hooks", { token, json: { url: (receiver as Receiver).url(name) } });
  expect(response.status).toBe(201);
  const hook = (await response.json()) as { id: string; secret: string };
  receiver?.secrets.set(name, hook.secret);
  return hook.id;
}

async function upload(path: string, token = t.master): Promise<void> {
  expect((await t.request("PUT", `/files/${path}`, { token, body: path })).status).toBe(200);
}

async function listed(token = t.master): Promise<string[]> {
  const body = (await (await t.request("GET", "/hooks", { token })).json()) as { hooks: { id: string }[] };
  return body.hooks.map((h) => h.id);
}

/** Waits until no delivery of these hooks is pending: no attempt is in flight any more. */
async function settled(hookIds: string[], token = t.master): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (const id of hookIds) {
    for (;;) {
      const body = (await (await t.request("GET", `/hooks/${id}/deliveries`, { token })).json()) as {
        deliveries: { status: string }[];
      };
      if (!body.deliveries.some((d) => d.status === "pending")) break;
      if (Date.now() > deadline) throw new Error(`hook ${id} still has a delivery pending`);
      await Bun.sleep(20);
    }
  }
}

/** The person (signed in with `session`) lets `client` in: its first access and refresh tokens. */
async function tokensFor(session: string, client: { client_id: string; client_secret?: string }) {
  const { params, verifier } = await authorizationParams(client.client_id);
  const location = (await consent(t, session, params)).headers.get("location") as string;
  const code = new URL(location).searchParams.get("code") as string;
  const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier };
  const answer = await postForm(t, "/oauth/token", form, basic(client.client_id, client.client_secret as string));
  expect(answer.status).toBe(200);
  return (await answer.json()) as { access_token: string; refresh_token: string };
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const response = await t.request("POST", "/auth/keys", { json: body });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; token: string };
}

describe("a hook made with an API key", () => {
  test("ends with the key's revocation, also one made in a session opened with the key", async () => {
    const hooks = start();
    const key = await createKey({ name: "reader", scopes: ["files:read"] });
    const opened = await t.request("POST", "/auth/session", { token: null, json: { token: key.token } });
    expect(opened.status).toBe(200);
    const cookie = /lightd_session=([^;]+)/.exec(opened.headers.get("set-cookie") ?? "")?.[1] as string;
    const mine = await createHook("master", t.master);
    const keys = await createHook("key", key.token);
    await createHook("dashboard", decodeURIComponent(cookie));
    await upload("a.txt");
    await hooks.waitFor("key", "a.txt");
    await hooks.waitFor("dashboard", "a.txt");

    expect((await t.request("DELETE", `/auth/keys/${key.id}`)).status).toBe(200);
    expect((await t.request("GET", "/files", { token: key.token })).status).toBe(401);
    expect(await listed()).toEqual([mine]);
    expect((await t.request("GET", `/hooks/${keys}/deliveries`)).status).toBe(404);
    await upload("b.txt");
    await hooks.waitFor("master", "b.txt");
    expect(hooks.paths("key")).toEqual(["a.txt"]);
    expect(hooks.paths("dashboard")).toEqual(["a.txt"]);
    expect(hooks.rejected).toEqual([]);
  });

  test("ends once the key has expired, before any sweep removes the key", async () => {
    const hooks = start();
    const key = await createKey({ name: "brief", scopes: ["files:read"], expires_in: 60 });
    const mine = await createHook("master", t.master);
    const keys = await createHook("key", key.token);
    await upload("a.txt");
    await hooks.waitFor("key", "a.txt");
    // The clock jumps past a delivery's lease (Postgres): no attempt may still be in flight then.
    await settled([mine, keys]);

    skew += 61_000;
    expect((await t.request("GET", "/files", { token: key.token })).status).toBe(401);
    await upload("b.txt");
    await hooks.waitFor("master", "b.txt");
    const deadline = Date.now() + 20_000;
    while ((await listed()).length > 1 && Date.now() < deadline) await Bun.sleep(20);
    expect(await listed()).toEqual([mine]);
    expect(hooks.paths("key")).toEqual(["a.txt"]);
  });
});

describe("a hook made by an app (OAuth)", () => {
  test("outlives each access token, ends with the authorization or the app; the person's own hook stays", async () => {
    const hooks = start();
    const person = naclSigner("hana");
    let session = await registerAndLogin(t, person);
    const app = await registerClient(t, session);
    let tokens = await tokensFor(session, app);
    const apps = await createHook("app", tokens.access_token);
    const own = await createHook("person", session);
    await upload("a.txt", tokens.access_token);
    await hooks.waitFor("app", "a.txt");

    // The app revokes its access token (RFC 7009) and refreshes: the authorization, and the hook, go on.
    const secret = basic(app.client_id, app.client_secret as string);
    expect((await postForm(t, "/oauth/revoke", { token: tokens.access_token }, secret)).status).toBe(200);
    expect((await t.request("GET", "/files", { token: tokens.access_token })).status).toBe(401);
    const refreshed = await postForm(
      t,
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      secret,
    );
    expect(refreshed.status).toBe(200);
    tokens = (await refreshed.json()) as typeof tokens;
    await upload("b.txt", tokens.access_token);
    await hooks.waitFor("app", "b.txt");

    // The person revokes the app's authorization: its hook goes with its tokens.
    const authorizations = (await (await t.request("GET", "/oauth/authorizations", { token: session })).json()) as {
      authorizations: { id: string }[];
    };
    const [granted] = authorizations.authorizations;
    expect((await t.request("DELETE", `/oauth/authorizations/${granted?.id}`, { token: session })).status).toBe(200);
    expect(await listed(session)).toEqual([own]);
    expect((await t.request("GET", `/hooks/${apps}/deliveries`, { token: session })).status).toBe(404);

    // The person's own hook outlives the session that made it.
    expect((await t.request("POST", "/auth/logout", { token: session })).status).toBeLessThan(300);
    session = await login(t, person);
    await upload("c.txt", session);
    await hooks.waitFor("person", "c.txt");
    expect(hooks.paths("app")).toEqual(["a.txt", "b.txt"]);
    expect(hooks.paths("person")).toEqual(["a.txt", "b.txt", "c.txt"]);

    // Deleting an app ends the hooks its tokens made.
    const other = await registerClient(t, session, { client_name: "Other" });
    await createHook("other", (await tokensFor(session, other)).access_token);
    expect(await listed(session)).toHaveLength(2);
    expect((await t.request("DELETE", `/oauth/clients/${other.client_id}`, { token: session })).status).toBe(200);
    expect(await listed(session)).toEqual([own]);
    expect(hooks.rejected).toEqual([]);
  });

  test("ends once every token of the authorization has expired, before any sweep removes them", async () => {
    const hooks = start();
    const person = naclSigner("ida");
    const session = await registerAndLogin(t, person);
    const tokens = await tokensFor(session, await registerClient(t, session));
    const apps = await createHook("app", tokens.access_token);
    const own = await createHook("person", session);
    await upload("a.txt", session);
    await hooks.waitFor("app", "a.txt");
    await settled([apps, own], session);

    // The app went quiet: its refresh token expires unused after 30 days, and the authorization lapses.
    skew += 31 * 86_400_000;
    const again = await login(t, person);
    await upload("b.txt", again);
    // (The receiver refuses what is signed 31 days off its own clock: the listing tells.)
    const deadline = Date.now() + 20_000;
    while ((await listed(again)).length > 1 && Date.now() < deadline) await Bun.sleep(20);
    expect(await listed(again)).toEqual([own]);
    expect(hooks.paths("app")).toEqual(["a.txt"]);
  });
});
