import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { type BrowserContext, chromium } from "playwright-core";
import { naclSigner } from "../fixtures/auth-helpers";
import { cleanupE2E, ensureBinary, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, CHROMIUM } from "../fixtures/browser";

/**
 * The two CSRF attacks in a real headless Chromium against the real executable. The attacker's
 * page is served from another port of 127.0.0.1: same site as lightd, so the browser does
 * send the victim's SameSite=Lax session cookie with its form posts and navigations.
 */
setDefaultTimeout(60_000);
beforeAll(() => ensureBinary(), 180_000);
afterEach(cleanupE2E);
afterAll(cleanupE2E);

const attackers: { stop(force?: boolean): unknown }[] = [];
afterEach(() => {
  for (const a of attackers.splice(0)) a.stop(true);
});

/** A page on another port that runs `html` (no CSP: the attacker's own site). */
function attackerSite(html: string): string {
  const site = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }),
  });
  attackers.push(site);
  return `http://127.0.0.1:${site.port}/`;
}

function autoPost(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
    .join("");
  return `<!doctype html><form id="f" method="post" action="${action}">${inputs}</form><script>document.getElementById("f").submit()</script>`;
}

async function browser(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(makeTempDir(), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}

/** Registers an Ed25519 account and signs in over HTTP; returns the session token. */
async function signIn(server: RunningServer, actor: string): Promise<string> {
  const signer = naclSigner(actor);
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  expect((await post("/auth/register", { actor, public_key: signer.publicKey })).status).toBe(201);
  const { challenge_id, nonce } = (await (await post("/auth/challenge", { actor })).json()) as {
    challenge_id: string;
    nonce: string;
  };
  const verified = await post("/auth/verify", { challenge_id, actor, signature: signer.sign(nonce) });
  return ((await verified.json()) as { token: string }).token;
}

/** The magic link lightd logged (no SMTP configured: a warning on stderr) for `email`. */
async function loggedLink(server: RunningServer, email: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    for (const line of server.stderr.lines) {
      if (!line.startsWith("{")) continue;
      const record = JSON.parse(line) as { to?: string; link?: string };
      if (record.to === email && record.link) return `${server.url}${record.link}`;
    }
    if (Date.now() > deadline) throw new Error(`no magic link logged for ${email}:\n${server.stderr.text}`);
    await Promise.race([server.stderr.changed(), Bun.sleep(250)]);
  }
}

const api = (server: RunningServer, token: string, path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, accept: "application/json", ...init.headers },
  });

async function sessionCookieOf(context: BrowserContext, server: RunningServer): Promise<string | undefined> {
  return (await context.cookies(server.url)).find((c) => c.name === "lightd_session")?.value;
}

browserTest("a page on another port form-POSTs with the victim's cookie: refused, nothing changed", async () => {
  const server = await startServer();
  const victim = await signIn(server, "victim");
  await api(server, victim, "/files/docs/report.txt", { method: "PUT", body: "quarterly numbers" });
  const keysBefore = ((await (await api(server, victim, "/auth/keys")).json()) as { keys: unknown[] }).keys.length;

  const context = await browser();
  try {
    await context.addCookies([
      { name: "lightd_session", value: encodeURIComponent(victim), url: server.url, httpOnly: true, sameSite: "Lax" },
    ]);
    const page = context.pages()[0] ?? (await context.newPage());
    const attacks = [
      autoPost(`${server.url}/files/move`, { from: "docs/report.txt", to: "stolen/report.txt" }),
      autoPost(`${server.url}/files/mkdir`, { path: "pwned/" }),
      autoPost(`${server.url}/auth/keys`, { name: "backdoor" }),
    ];
    for (const html of attacks) {
      const landed = page.waitForURL((url) => url.origin === server.url);
      await page.goto(attackerSite(html));
      await landed;
      // lightd saw the cookie (else the answer would be 401/415) and refused the request as cross-origin.
      const body = ((await page.locator("body").textContent()) ?? "").trim();
      expect(JSON.parse(body)).toMatchObject({ error: "forbidden" });
      expect(body).toContain("Cross-origin request refused");
    }
  } finally {
    await context.close();
  }
  expect((await api(server, victim, "/files/docs/report.txt")).status).toBe(200);
  expect((await api(server, victim, "/files/stolen/report.txt")).status).toBe(404);
  expect((await api(server, victim, "/files/pwned/")).status).toBe(404);
  const keysAfter = ((await (await api(server, victim, "/auth/keys")).json()) as { keys: unknown[] }).keys.length;
  expect(keysAfter).toBe(keysBefore);
});

browserTest("a signed-in victim sent to the attacker's magic link keeps their own session", async () => {
  const server = await startServer();
  const victim = await signIn(server, "victim");
  // The attacker asks for a link to their own address (no SMTP here: the server logs its path).
  const asked = await fetch(`${server.url}/auth/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "attacker@example.com" }),
  });
  expect(asked.status).toBe(200);
  const link = await loggedLink(server, "attacker@example.com");
  const token = new URL(link).searchParams.get("token") as string;

  const context = await browser();
  try {
    await context.addCookies([
      { name: "lightd_session", value: encodeURIComponent(victim), url: server.url, httpOnly: true, sameSite: "Lax" },
    ]);
    const page = context.pages()[0] ?? (await context.newPage());

    // 1. Navigated to the link: only the confirmation page shows.
    await page.goto(attackerSite(`<!doctype html><script>location.href = ${JSON.stringify(link)}</script>`));
    await page.waitForURL((url) => url.origin === server.url);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await sessionCookieOf(context, server)).toBe(encodeURIComponent(victim));

    // 2. The attacker's page posts the token itself: refused as cross-origin.
    const landed = page.waitForURL((url) => url.origin === server.url);
    await page.goto(attackerSite(autoPost(`${server.url}/auth/magic-link/verify`, { token })));
    await landed;
    expect(await page.locator("body").textContent()).toContain("Cross-origin request refused");
    expect(await sessionCookieOf(context, server)).toBe(encodeURIComponent(victim));
  } finally {
    await context.close();
  }
  const me = await fetch(`${server.url}/auth/me`, {
    headers: { cookie: `lightd_session=${encodeURIComponent(victim)}` },
  });
  expect(await me.json()).toMatchObject({ actor: "victim" });
});

browserTest("the person the link was meant for signs in with the page's button", async () => {
  const server = await startServer();
  await fetch(`${server.url}/auth/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "reader@example.com" }),
  });
  const link = await loggedLink(server, "reader@example.com");
  const context = await browser();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(link);
    const signedIn = page.waitForResponse(
      (r) => r.url().endsWith("/auth/magic-link/verify") && r.request().method() === "POST",
    );
    await page.getByRole("button", { name: "Sign in" }).click();
    expect((await signedIn).status()).toBe(303);
    await page.waitForURL(`${server.url}/`);
    const cookie = await sessionCookieOf(context, server);
    expect(cookie).toStartWith("lightd_ses_");
    const me = await fetch(`${server.url}/auth/me`, { headers: { cookie: `lightd_session=${cookie}` } });
    expect(await me.json()).toMatchObject({ actor: "reader", source: "session" });
    expect(violations).toEqual([]);
  } finally {
    await context.close();
  }
});
