import { afterAll, describe, expect, test } from "bun:test";
import nacl from "tweetnacl";
import { makeTestApp, type TestApp } from "../fixtures/harness";

let clock = Date.now();
const appOptions = () => ({ now: () => clock, config: { server: { public_url: "https://files.example.com" } } });
const t = makeTestApp(appOptions());
const servers: { stop(force?: boolean): unknown }[] = [];
afterAll(async () => {
  await t.close();
  for (const s of servers) s.stop(true);
});

/** With no SMTP configured the link is written to the log; the newest one for `email`. */
function lastLink(app: TestApp, email: string): string {
  for (let i = app.logs.length - 1; i >= 0; i--) {
    const line = JSON.parse(app.logs[i] as string) as { to?: string; link?: string };
    if (line.to === email && line.link) return line.link;
  }
  throw new Error(`no link logged for ${email}`);
}

async function requestLink(app: TestApp, email: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return app.request("POST", "/auth/magic-link", { token: null, json: { email, ...extra } });
}

/** The confirmation page's form fields, as a browser would submit them. */
function formOf(html: string): { action: string; token: string } {
  return {
    action: /<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? "",
    token: /name="token" value="([^"]*)"/.exec(html)?.[1] ?? "",
  };
}

function postToken(app: TestApp, token: string, headers: Record<string, string> = { "sec-fetch-site": "same-origin" }) {
  return app.app.handle(
    new Request("http://localhost/auth/magic-link/verify", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ token }).toString(),
    }),
  );
}

/** What a browser does with the link: open it (a page, no sign-in), then press the page's button. */
async function follow(app: TestApp, link: string): Promise<Response> {
  const url = new URL(link);
  const page = await app.app.handle(new Request(`http://localhost${url.pathname}${url.search}`));
  if (page.status !== 200) return page;
  const form = formOf(await page.text());
  expect(form.action).toBe("/auth/magic-link/verify");
  return postToken(app, form.token);
}

describe("POST /auth/magic-link", () => {
  test("the same generic answer for a new and a known address", async () => {
    // An app of its own: it reads every stored link, and other tests ask for links too.
    const t = makeTestApp(appOptions());
    try {
      await t.request("POST", "/admin/accounts", { json: { actor: "known", email: "known@example.com" } });
      const a = await requestLink(t, "known@example.com");
      const b = await requestLink(t, "stranger@example.com");
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(await a.text()).toBe(await b.text());
      // Neither branch looked the address up: both links exist, stored only as hashes.
      const rows = t.db.query("SELECT email, secret_hash FROM magic_links ORDER BY created_at").all() as {
        email: string;
        secret_hash: string;
      }[];
      expect(rows.map((r) => r.email).sort()).toEqual(["known@example.com", "stranger@example.com"]);
      for (const r of rows) expect(r.secret_hash).toStartWith("$argon2id$");
      expect(lastLink(t, "stranger@example.com")).toStartWith(
        "https://files.example.com/auth/magic-link/verify?token=lightd_mlk_",
      );
    } finally {
      await t.close();
    }
  });

  for (const email of [
    "",
    "plain",
    "a@b",
    "two@@example.com",
    "sp ace@example.com",
    "x@example..com",
    `${"a".repeat(250)}@example.com`,
  ]) {
    test(`400 for invalid e-mail ${JSON.stringify(email.slice(0, 20))}`, async () => {
      const res = await requestLink(t, email);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("bad_request");
    });
  }
});

describe("GET /auth/magic-link/verify", () => {
  test("first use creates the account, sets the cookie and answers 303 to /", async () => {
    await requestLink(t, "Jane.Doe+files@Example.com");
    const res = await follow(t, lastLink(t, "Jane.Doe+files@example.com"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.get("set-cookie") as string;
    expect(cookie).toMatch(
      /^lightd_session=lightd_ses_[^;]+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict; Secure$/,
    );
    const session = decodeURIComponent((cookie.split(";")[0] as string).split("=")[1] as string);
    const me = await t.request("GET", "/auth/me", { token: null, headers: { cookie: `lightd_session=${session}` } });
    expect(await me.json()).toMatchObject({ actor: "jane-doe-files", source: "session" });
  });

  test("a second link for the same address signs into the same account", async () => {
    await requestLink(t, "jane.doe+files@example.com");
    const res = await follow(t, lastLink(t, "jane.doe+files@example.com"));
    const session = (res.headers.get("set-cookie") as string).split(";")[0]?.split("=")[1] as string;
    const me = (await (await t.request("GET", "/auth/me", { token: decodeURIComponent(session) })).json()) as {
      actor: string;
    };
    expect(me.actor).toBe("jane-doe-files");
  });

  test("derived actor names are made unique", async () => {
    await t.request("POST", "/auth/register", {
      token: null,
      json: { actor: "sam", public_key: Buffer.from(nacl.sign.keyPair().publicKey).toString("base64") },
    });
    await requestLink(t, "sam@example.org");
    const res = await follow(t, lastLink(t, "sam@example.org"));
    const token = decodeURIComponent((res.headers.get("set-cookie") as string).split(";")[0]?.split("=")[1] as string);
    const me = (await (await t.request("GET", "/auth/me", { token })).json()) as { actor: string };
    expect(me.actor).toBe("sam-2");
  });

  test("a link works once", async () => {
    await requestLink(t, "once@example.com");
    const link = lastLink(t, "once@example.com");
    expect((await follow(t, link)).status).toBe(303);
    const again = await follow(t, link);
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  test("concurrent follows of one link give exactly one session", async () => {
    await requestLink(t, "race@example.com");
    const link = lastLink(t, "race@example.com");
    const results = await Promise.all(Array.from({ length: 10 }, () => follow(t, link)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(9);
    const n = t.db
      .query(
        "SELECT count(*) AS n FROM credentials c JOIN accounts a ON a.id = c.account_id WHERE a.email = 'race@example.com' AND c.kind = 'ses'",
      )
      .get() as { n: number };
    expect(n.n).toBe(1);
  });

  test("a link expires after 15 minutes", async () => {
    await requestLink(t, "late@example.com");
    const link = lastLink(t, "late@example.com");
    clock += 15 * 60_000 + 1;
    expect((await follow(t, link)).status).toBe(401);
  });

  test("a tampered or malformed link is refused", async () => {
    await requestLink(t, "tamper@example.com");
    const link = lastLink(t, "tamper@example.com");
    const tampered = link.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await follow(t, tampered)).status).toBe(401);
    expect((await follow(t, "https://x/auth/magic-link/verify?token=garbage")).status).toBe(401);
    expect((await follow(t, "https://x/auth/magic-link/verify")).status).toBe(400);
    // The untampered link still works: a failed guess does not burn it.
    expect((await follow(t, link)).status).toBe(303);
  });

  test("opening the link (GET) signs nobody in: a locked-down page whose button POSTs the token", async () => {
    await requestLink(t, "look@example.com");
    const link = lastLink(t, "look@example.com");
    const url = new URL(link);
    const sessionsBefore = t.db.query("SELECT count(*) AS n FROM credentials WHERE kind = 'ses'").get();
    const page = await t.app.handle(new Request(`http://localhost${url.pathname}${url.search}`));
    expect(page.status).toBe(200);
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).not.toMatch(/<script|src=|href=/i);
    expect(formOf(html).token).toBe(url.searchParams.get("token") as string);
    expect(t.db.query("SELECT count(*) AS n FROM credentials WHERE kind = 'ses'").get()).toEqual(sessionsBefore);
    // Opening it twice is harmless; the POST still works once.
    await t.app.handle(new Request(`http://localhost${url.pathname}${url.search}`));
    expect((await postToken(t, formOf(html).token)).status).toBe(303);
  });

  test("a token posted from another site is refused and stays unused (login CSRF)", async () => {
    await requestLink(t, "csrf@example.com");
    const token = new URL(lastLink(t, "csrf@example.com")).searchParams.get("token") as string;
    const crossSite: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "https://evil.example" },
      { origin: "null" },
    ];
    for (const headers of crossSite) {
      const res = await postToken(t, token, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(((await res.json()) as { error: string }).error).toBe("forbidden");
    }
    // From lightd's own origin (public_url) it works.
    expect((await postToken(t, token, { origin: "https://files.example.com" })).status).toBe(303);
  });
});

describe("Turnstile", () => {
  test("checked only when a secret is configured; 403 on failure", async () => {
    const seen: URLSearchParams[] = [];
    const verifier = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const form = new URLSearchParams(await req.text());
        seen.push(form);
        return Response.json({ success: form.get("response") === "good-token" && form.get("secret") === "ts-secret" });
      },
    });
    servers.push(verifier);
    const app = makeTestApp({
      config: { turnstile: { secret: "ts-secret", verify_url: `http://127.0.0.1:${verifier.port}/siteverify` } },
    });
    try {
      expect((await requestLink(app, "bot@example.com")).status).toBe(403);
      const bad = await requestLink(app, "bot@example.com", { "cf-turnstile-response": "bad-token" });
      expect(bad.status).toBe(403);
      expect(await bad.json()).toEqual({ error: "forbidden", message: "Bot check failed" });
      const ok = await requestLink(app, "human@example.com", { "cf-turnstile-response": "good-token" });
      expect(ok.status).toBe(200);
      expect(seen.map((f) => f.get("response"))).toEqual(["bad-token", "good-token"]);
    } finally {
      await app.close();
    }
    // Without a secret, no check at all.
    expect((await requestLink(t, "no-turnstile@example.com")).status).toBe(200);
  });

  test("an unreachable verifier fails closed", async () => {
    const app = makeTestApp({ config: { turnstile: { secret: "s", verify_url: "http://127.0.0.1:9/siteverify" } } });
    try {
      expect((await requestLink(app, "x@example.com", { "cf-turnstile-response": "t" })).status).toBe(403);
    } finally {
      await app.close();
    }
  });
});
