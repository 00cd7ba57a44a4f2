import { afterAll, describe, expect, test } from "bun:test";
import { naclSigner } from "../fixtures/auth-helpers";
import { makeTestApp, type TestApp } from "../fixtures/harness";

/**
 * `accounts.registration`: "open" (anyone registers), "invite" (an admin's single-use code is
 * spent by the account it creates) and "closed" (only the admin creates accounts). Magic-link
 * sign-in creates accounts only in open mode.
 */
let clock = Date.now();
const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

function appIn(registration: string, extra: Record<string, unknown> = {}): TestApp {
  const app = makeTestApp({
    now: () => clock,
    config: { accounts: { registration, ...extra }, server: { public_url: "https://files.example.com" } },
  });
  apps.push(app);
  return app;
}

function register(app: TestApp, actor: string, invite?: string): Promise<Response> {
  const signer = naclSigner(actor);
  return app.request("POST", "/auth/register", {
    token: null,
    json: { actor, public_key: signer.publicKey, ...(invite === undefined ? {} : { invite }) },
  });
}

async function newInvite(app: TestApp, body: Record<string, unknown> = {}) {
  const res = await app.request("POST", "/admin/invites", { json: body });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; code: string; note: string; expires_at: number; used_by: null };
}

async function errorOf(res: Response): Promise<{ status: number; error: string; message: string }> {
  return { status: res.status, ...((await res.json()) as { error: string; message: string }) };
}

/** Asks for a magic link and follows it as the confirmation page's button would. */
async function magicSignIn(app: TestApp, email: string): Promise<Response> {
  await app.request("POST", "/auth/magic-link", { token: null, json: { email } });
  const line = app.logs.map((l) => JSON.parse(l) as { to?: string; link?: string }).findLast((l) => l.to === email);
  const token = new URL(line?.link as string).searchParams.get("token") as string;
  return app.handle(
    new Request("http://localhost/auth/magic-link/verify", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    }),
  );
}

describe('registration: "open" (the default)', () => {
  const app = appIn("open");
  test("anyone registers; an invite field is ignored", async () => {
    expect((await register(app, "walk-in")).status).toBe(201);
    expect((await register(app, "walk-in-2", "lightd_inv_nonsense")).status).toBe(201);
  });
  test("a first magic-link sign-in creates the account", async () => {
    expect((await magicSignIn(app, "new@example.com")).status).toBe(303);
  });
  test("the default is open", () => {
    const plain = makeTestApp();
    apps.push(plain);
    expect(plain.ctx.config.current.accounts.registration).toBe("open");
  });
});

describe('registration: "closed"', () => {
  const app = appIn("closed");
  test("/auth/register is 403, naming the rule", async () => {
    // An app of its own: it checks the whole account list, which another test adds to.
    const app = appIn("closed");
    const res = await errorOf(await register(app, "stranger"));
    expect(res).toMatchObject({ status: 403, error: "forbidden" });
    expect(res.message).toContain("Registration is closed");
    expect((await app.request("GET", "/admin/accounts")).status).toBe(200);
    const names = ((await (await app.request("GET", "/admin/accounts")).json()) as { accounts: { actor: string }[] })
      .accounts;
    expect(names.map((a) => a.actor)).toEqual(["admin"]);
  });
  test("a magic link for an unknown address creates nothing (403 when followed)", async () => {
    const res = await magicSignIn(app, "nobody@example.com");
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
  test("the admin still creates accounts, and they sign in by magic link", async () => {
    const created = await app.request("POST", "/admin/accounts", {
      json: { actor: "staff", email: "staff@example.com" },
    });
    expect(created.status).toBe(201);
    expect((await magicSignIn(app, "staff@example.com")).status).toBe(303);
  });
});

describe('registration: "invite"', () => {
  const app = appIn("invite");

  test("without a code, or with a bad one → 403; nothing created", async () => {
    expect(await errorOf(await register(app, "no-code"))).toMatchObject({ status: 403, error: "forbidden" });
    for (const code of ["garbage", "lightd_inv_AAAAAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBCCCCCC"]) {
      const res = await errorOf(await register(app, "bad-code", code));
      expect(res).toMatchObject({ status: 403, message: "Invalid, used or expired invite code" });
    }
    expect(await app.ctx.metadata.read.accounts.findByName("no-code")).toBeNull();
    expect(await app.ctx.metadata.read.accounts.findByName("bad-code")).toBeNull();
  });

  test("an admin's code registers one account, once", async () => {
    const invite = await newInvite(app, { note: "for ada" });
    expect(invite.code).toStartWith("lightd_inv_");
    expect(invite).toMatchObject({ note: "for ada", used_by: null });
    expect((await register(app, "ada", invite.code)).status).toBe(201);
    expect(await errorOf(await register(app, "ada-again", invite.code))).toMatchObject({ status: 403 });
    const list = (await (await app.request("GET", "/admin/invites")).json()) as {
      invites: { id: string; used_by: string | null; used_at: number | null }[];
    };
    expect(list.invites.find((i) => i.id === invite.id)).toMatchObject({ used_by: "ada" });
    expect(JSON.stringify(list)).not.toContain(invite.code);
  });

  test("a taken name does not spend the code", async () => {
    expect((await register(app, "hopper", (await newInvite(app)).code)).status).toBe(201);
    const invite = await newInvite(app);
    expect((await register(app, "hopper", invite.code)).status).toBe(409);
    expect((await register(app, "grace", invite.code)).status).toBe(201);
  });

  test("10 registrations racing with one code: exactly one account", async () => {
    const invite = await newInvite(app);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => register(app, `racer-${i}`, invite.code)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(403)]);
    const found = Array.from({ length: 10 }, (_, i) => app.ctx.metadata.read.accounts.findByName(`racer-${i}`));
    const made = (await Promise.all(found)).filter(Boolean);
    expect(made).toHaveLength(1);
  });

  test("a revoked or expired code is refused", async () => {
    const revoked = await newInvite(app);
    expect((await app.request("DELETE", `/admin/invites/${revoked.id}`)).status).toBe(200);
    expect((await app.request("DELETE", `/admin/invites/${revoked.id}`)).status).toBe(404);
    expect((await register(app, "late-1", revoked.code)).status).toBe(403);
    const expiring = await newInvite(app, { expires_in: 60 });
    clock += 61_000;
    expect((await register(app, "late-2", expiring.code)).status).toBe(403);
  });

  test("only the admin makes invites; a code is no credential", async () => {
    // A key of the admin account without the admin scope may not.
    const key = await app.request("POST", "/auth/keys", { json: { name: "k", scopes: ["files:read"] } });
    const token = ((await key.json()) as { token: string }).token;
    expect((await app.request("POST", "/admin/invites", { token, json: {} })).status).toBe(403);
    expect((await app.request("GET", "/admin/invites", { token })).status).toBe(403);
    expect((await app.request("POST", "/admin/invites", { token: null, json: {} })).status).toBe(401);
    const invite = await newInvite(app);
    expect((await app.request("GET", "/files", { token: invite.code })).status).toBe(401);
  });

  test("magic links sign in existing accounts only", async () => {
    expect((await magicSignIn(app, "walk-in@example.com")).status).toBe(403);
    await app.request("POST", "/admin/accounts", { json: { actor: "mailer", email: "mailer@example.com" } });
    expect((await magicSignIn(app, "mailer@example.com")).status).toBe(303);
  });
});
