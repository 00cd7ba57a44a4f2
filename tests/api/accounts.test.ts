import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import nacl from "tweetnacl";
import { createKey, login, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";
import { runScenarios, type Scenario } from "../fixtures/scenario";

let clock = Date.now();
const t = makeTestApp({ now: () => clock });
afterAll(() => t.close());

const key = Buffer.from(nacl.sign.keyPair().publicKey).toString("base64");

describe("POST /auth/register field rules", () => {
  // The taken-name rows need a name that exists whatever order the rows run in.
  beforeAll(async () => {
    const res = await t.request("POST", "/auth/register", { token: null, json: { actor: "taken", public_key: key } });
    expect(res.status).toBe(201);
  });
  const scenarios: Scenario[] = [
    {
      name: "valid human",
      method: "POST",
      url: "/auth/register",
      body: { actor: "reg-ok_1", public_key: key },
      status: 201,
      json: { actor: "reg-ok_1", type: "human" },
    },
    {
      name: "valid agent",
      method: "POST",
      url: "/auth/register",
      body: { actor: "bot", type: "agent", public_key: key },
      status: 201,
      json: { actor: "bot", type: "agent" },
    },
    {
      name: "64-char actor",
      method: "POST",
      url: "/auth/register",
      body: { actor: "a".repeat(64), public_key: key },
      status: 201,
    },
    {
      name: "65-char actor",
      method: "POST",
      url: "/auth/register",
      body: { actor: "a".repeat(65), public_key: key },
      status: 400,
    },
    { name: "empty actor", method: "POST", url: "/auth/register", body: { actor: "", public_key: key }, status: 400 },
    {
      name: "dot in actor",
      method: "POST",
      url: "/auth/register",
      body: { actor: "a.b", public_key: key },
      status: 400,
    },
    {
      name: "space in actor",
      method: "POST",
      url: "/auth/register",
      body: { actor: "a b", public_key: key },
      status: 400,
    },
    {
      name: "unknown type",
      method: "POST",
      url: "/auth/register",
      body: { actor: "x1", type: "robot", public_key: key },
      status: 400,
    },
    { name: "missing key", method: "POST", url: "/auth/register", body: { actor: "x2" }, status: 400 },
    {
      name: "key not base64",
      method: "POST",
      url: "/auth/register",
      body: { actor: "x3", public_key: "not base64!!" },
      status: 400,
    },
    {
      name: "31-byte key",
      method: "POST",
      url: "/auth/register",
      body: { actor: "x4", public_key: Buffer.alloc(31, 1).toString("base64") },
      status: 400,
    },
    {
      name: "33-byte key",
      method: "POST",
      url: "/auth/register",
      body: { actor: "x5", public_key: Buffer.alloc(33, 1).toString("base64") },
      status: 400,
    },
    {
      name: "taken name",
      method: "POST",
      url: "/auth/register",
      body: { actor: "taken", public_key: key },
      status: 409,
      json: { error: "conflict", message: "Actor already exists" },
    },
    {
      name: "taken name, other case",
      method: "POST",
      url: "/auth/register",
      body: { actor: "TAKEN", public_key: key },
      status: 409,
    },
    {
      name: "admin is taken",
      method: "POST",
      url: "/auth/register",
      body: { actor: "admin", public_key: key },
      status: 409,
    },
    { name: "no body", method: "POST", url: "/auth/register", status: 400 },
    {
      name: "challenge for unknown actor",
      method: "POST",
      url: "/auth/challenge",
      body: { actor: "nobody" },
      status: 404,
    },
    { name: "challenge with bad actor", method: "POST", url: "/auth/challenge", body: { actor: "../x" }, status: 400 },
    {
      name: "verify unknown challenge",
      method: "POST",
      url: "/auth/verify",
      body: { challenge_id: "nope", actor: "bot", signature: Buffer.alloc(64).toString("base64") },
      status: 404,
    },
    {
      name: "verify with short signature",
      method: "POST",
      url: "/auth/verify",
      body: { challenge_id: "nope", actor: "bot", signature: "AAAA" },
      status: 400,
    },
    { name: "logout without a token", method: "POST", url: "/auth/logout", status: 401 },
  ];
  runScenarios(t, scenarios);
});

describe("Ed25519 challenge login", () => {
  test("register, challenge, verify, use the session", async () => {
    const alice = naclSigner("alice");
    const session = await registerAndLogin(t, alice);
    expect(session).toStartWith("lightd_ses_");
    const me = await t.request("GET", "/auth/me", { token: session });
    expect(await me.json()).toMatchObject({ actor: "alice", source: "session", space: "live", prefix: "" });
  });

  test("challenge response and a session that lasts 7 days by default", async () => {
    const bob = naclSigner("bob");
    await t.request("POST", "/auth/register", { token: null, json: { actor: "bob", public_key: bob.publicKey } });
    const ch = await t.request("POST", "/auth/challenge", { token: null, json: { actor: "BOB" } });
    expect(ch.status).toBe(200);
    const c = (await ch.json()) as { challenge_id: string; nonce: string; expires_at: number };
    expect(c.expires_at).toBe(clock + 5 * 60_000);
    const res = await t.request("POST", "/auth/verify", {
      token: null,
      json: { challenge_id: c.challenge_id, actor: "bob", signature: bob.sign(c.nonce) },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; actor: string; expires_at: number };
    expect(body.actor).toBe("bob");
    expect(body.expires_at).toBe(clock + 7 * 86_400_000);
  });

  test("a wrong signature is 401 and does not burn the challenge", async () => {
    const carol = naclSigner("carol");
    const mallory = naclSigner("carol");
    await t.request("POST", "/auth/register", { token: null, json: { actor: "carol", public_key: carol.publicKey } });
    const c = (await (
      await t.request("POST", "/auth/challenge", { token: null, json: { actor: "carol" } })
    ).json()) as {
      challenge_id: string;
      nonce: string;
    };
    const forged = await t.request("POST", "/auth/verify", {
      token: null,
      json: { challenge_id: c.challenge_id, actor: "carol", signature: mallory.sign(c.nonce) },
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: "unauthorized", message: "Invalid signature" });
    const wrongActor = await t.request("POST", "/auth/verify", {
      token: null,
      json: { challenge_id: c.challenge_id, actor: "bob", signature: carol.sign(c.nonce) },
    });
    expect(wrongActor.status).toBe(404);
    const good = await t.request("POST", "/auth/verify", {
      token: null,
      json: { challenge_id: c.challenge_id, actor: "carol", signature: carol.sign(c.nonce) },
    });
    expect(good.status).toBe(200);
    const replay = await t.request("POST", "/auth/verify", {
      token: null,
      json: { challenge_id: c.challenge_id, actor: "carol", signature: carol.sign(c.nonce) },
    });
    expect(replay.status).toBe(404);
  });

  test("a challenge expires after 5 minutes", async () => {
    const dave = naclSigner("dave");
    await t.request("POST", "/auth/register", { token: null, json: { actor: "dave", public_key: dave.publicKey } });
    const c = (await (await t.request("POST", "/auth/challenge", { token: null, json: { actor: "dave" } })).json()) as {
      challenge_id: string;
      nonce: string;
    };
    clock += 5 * 60_000 + 1;
    const res = await t.request("POST", "/auth/verify", {
      token: null,
      json: { challenge_id: c.challenge_id, actor: "dave", signature: dave.sign(c.nonce) },
    });
    expect(res.status).toBe(404);
  });

  test("20 parallel verifies of one challenge give exactly one session", async () => {
    const erin = naclSigner("erin");
    await t.request("POST", "/auth/register", { token: null, json: { actor: "erin", public_key: erin.publicKey } });
    const c = (await (await t.request("POST", "/auth/challenge", { token: null, json: { actor: "erin" } })).json()) as {
      challenge_id: string;
      nonce: string;
    };
    const signature = erin.sign(c.nonce);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.request("POST", "/auth/verify", {
          token: null,
          json: { challenge_id: c.challenge_id, actor: "erin", signature },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 404)).toHaveLength(19);
    const sessions = t.db
      .query(
        "SELECT count(*) AS n FROM credentials c JOIN accounts a ON a.id = c.account_id WHERE a.name = 'erin' AND c.kind = 'ses'",
      )
      .get() as { n: number };
    expect(sessions.n).toBe(1);
  });

  test("an account created by magic link has no key to challenge", async () => {
    await t.request("POST", "/admin/accounts", { json: { actor: "mailonly", email: "mailonly@example.com" } });
    const res = await t.request("POST", "/auth/challenge", { token: null, json: { actor: "mailonly" } });
    expect(res.status).toBe(400);
  });
});

describe("POST /auth/logout", () => {
  test("with the Authorization header: the session is gone at once", async () => {
    const session = await login(t, await naclSignerFor("alice2"));
    expect((await t.request("GET", "/auth/me", { token: session })).status).toBe(200);
    const out = await t.request("POST", "/auth/logout", { token: session });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ ok: true });
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await t.request("GET", "/auth/me", { token: session })).status).toBe(401);
  });

  test("with the session cookie", async () => {
    const session = await login(t, await naclSignerFor("alice3"));
    const cookie = { cookie: `lightd_session=${session}` };
    expect((await t.request("GET", "/auth/me", { token: null, headers: cookie })).status).toBe(200);
    expect((await t.request("POST", "/auth/logout", { token: null, headers: cookie })).status).toBe(200);
    expect((await t.request("GET", "/auth/me", { token: null, headers: cookie })).status).toBe(401);
    expect((await t.request("POST", "/auth/logout", { token: null, headers: cookie })).status).toBe(401);
  });

  test("the master token is no session: 400 saying how it changes, not 401 calling it invalid", async () => {
    const out = await t.request("POST", "/auth/logout");
    expect(out.status).toBe(400);
    expect(await out.json()).toEqual({
      error: "bad_request",
      message: "Only a session can be logged out; change the master token with 'lightd --token reset'",
    });
    expect((await t.request("POST", "/auth/logout", { token: "lightd_not_the_master_token_at_all" })).status).toBe(401);
    expect((await t.request("GET", "/auth/me")).status).toBe(200);
  });

  test("an API key cannot log out (revoke it instead); a forged session secret is 401", async () => {
    const session = await login(t, await naclSignerFor("alice4"));
    const apiKey = await createKey(t, session);
    expect((await t.request("POST", "/auth/logout", { token: apiKey.token })).status).toBe(400);
    const forged = session.replace(/_[0-9A-Za-z]{38}$/, `_${"A".repeat(38)}`);
    expect((await t.request("POST", "/auth/logout", { token: forged })).status).toBe(401);
    expect((await t.request("GET", "/auth/me", { token: session })).status).toBe(200);
  });
});

const signers = new Map<string, ReturnType<typeof naclSigner>>();
async function naclSignerFor(actor: string) {
  let s = signers.get(actor);
  if (!s) {
    s = naclSigner(actor);
    signers.set(actor, s);
    const account = await t.ctx.accounts.register(actor, "human", s.publicKey);
    expect(account.name).toBe(actor);
  }
  return s;
}

describe("admin accounts", () => {
  test("only the master token (admin) manages accounts", async () => {
    const session = await login(t, await naclSignerFor("plain"));
    for (const [method, url, json] of [
      ["GET", "/admin/accounts", undefined],
      ["POST", "/admin/accounts", { actor: "zed" }],
      ["DELETE", "/admin/accounts/plain", undefined],
    ] as const) {
      expect((await t.request(method, url, { token: session, json })).status).toBe(403);
      expect((await t.request(method, url, { token: null, json })).status).toBe(401);
    }
  });

  test("list, create, conflict, delete, 404", async () => {
    const created = await t.request("POST", "/admin/accounts", {
      json: { actor: "made-by-admin", type: "agent", public_key: key, email: "Made@Example.COM" },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      actor: "made-by-admin",
      type: "agent",
      email: "Made@example.com",
      public_key: key,
    });
    expect((await t.request("POST", "/admin/accounts", { json: { actor: "made-by-admin" } })).status).toBe(409);
    expect(
      (await t.request("POST", "/admin/accounts", { json: { actor: "other", email: "made@example.com" } })).status,
    ).toBe(409);
    expect((await t.request("POST", "/admin/accounts", { json: { actor: "bad", email: "nope" } })).status).toBe(400);
    const list = (await (await t.request("GET", "/admin/accounts")).json()) as { accounts: { actor: string }[] };
    expect(list.accounts.map((a) => a.actor)).toContain("made-by-admin");
    expect(list.accounts[0]?.actor).toBe("admin");
    expect((await t.request("DELETE", "/admin/accounts/made-by-admin")).status).toBe(200);
    expect((await t.request("DELETE", "/admin/accounts/made-by-admin")).status).toBe(404);
    expect((await t.request("DELETE", "/admin/accounts/admin")).status).toBe(400);
  });

  test("an upload still streaming when its account is deleted is refused clearly and leaves nothing", async () => {
    const uploader = await naclSignerFor("midway");
    const session = await login(t, uploader);
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new Uint8Array(4096).fill(97));
          return;
        }
        await finished;
        controller.enqueue(new Uint8Array(4096).fill(98));
        controller.close();
      },
    });
    const upload = t.handle(
      new Request("http://localhost/files/midway.bin", {
        method: "PUT",
        headers: { authorization: `Bearer ${session}` },
        body,
      }),
    );
    await Bun.sleep(50);
    expect((await t.request("DELETE", "/admin/accounts/midway")).status).toBe(200);
    finish();
    const res = await upload;
    expect(res.status).toBe(409);
    const answer = (await res.json()) as { error: string; message: string };
    expect(answer.error).toBe("conflict");
    expect(answer.message).toContain("deleted");
    expect(t.db.query("SELECT count(*) AS n FROM files WHERE path = 'midway.bin'").get()).toEqual({ n: 0 });
  });

  test("an upload URL of a deleted account stores nothing", async () => {
    const session = await login(t, await naclSignerFor("gone-uploader"));
    const created = await t.request("POST", "/files/uploads", { token: session, json: { path: "later.bin" } });
    const { url } = (await created.json()) as { url: string };
    const key = new URL(url).pathname.split("/").pop() as string;
    expect((await t.request("DELETE", "/admin/accounts/gone-uploader")).status).toBe(200);
    const put = await t.follow(url, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(1000),
    });
    expect(put.status).toBe(409);
    expect(((await put.json()) as { error: string }).error).toBe("conflict");
    await expect(t.ctx.blobs.head(key)).rejects.toThrow();
  });

  test("deleting an account removes its sessions, keys, files and stored bytes", async () => {
    const victim = await naclSignerFor("victim");
    const session = await login(t, victim);
    const apiKey = await createKey(t, session, { name: "k" });
    const put = await t.request("PUT", "/files/docs/a.txt", { token: session, body: "hello bytes" });
    expect(put.status).toBe(200);
    const objectKeys = (
      t.db
        .query(
          "SELECT object_key FROM files f JOIN accounts a ON a.id = f.account_id WHERE a.name = 'victim' AND object_key IS NOT NULL",
        )
        .all() as {
        object_key: string;
      }[]
    ).map((r) => r.object_key);
    expect(objectKeys).toHaveLength(1);
    const head = await t.ctx.blobs.head(objectKeys[0] as string);
    expect(head.size).toBe(11);

    const del = await t.request("DELETE", "/admin/accounts/victim");
    expect(await del.json()).toEqual({ deleted: true, actor: "victim", objects: 1 });
    expect((await t.request("GET", "/auth/me", { token: session })).status).toBe(401);
    expect((await t.request("GET", "/auth/me", { token: apiKey.token })).status).toBe(401);
    expect(t.db.query("SELECT count(*) AS n FROM files WHERE object_key = ?1").get(objectKeys[0] as string)).toEqual({
      n: 0,
    });
    await expect(t.ctx.blobs.head(objectKeys[0] as string)).rejects.toThrow();
    // The name is free again.
    expect(
      (await t.request("POST", "/auth/register", { token: null, json: { actor: "victim", public_key: key } })).status,
    ).toBe(201);
  });
});
