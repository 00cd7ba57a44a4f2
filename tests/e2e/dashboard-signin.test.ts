import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import nacl from "tweetnacl";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, NO_BROWSER, openBrowser, screenshot } from "../fixtures/browser";
import { decodeQuotedPrintable, type SmtpFixture, startSmtp } from "../fixtures/smtp";

/**
 * Signing in to the dashboard the ways a person does, in headless Chromium against the
 * compiled binary: an e-mailed link (through a real SMTP server), an Ed25519 key made by
 * openssl, a new account registered in the page, and signing out.
 */
setDefaultTimeout(60_000);
const MASTER = "lightd_e2e_dashboard_master_0123456789";
let smtp: SmtpFixture;
let server: RunningServer;

beforeAll(async () => {
  if (NO_BROWSER) return;
  smtp = await startSmtp();
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { enabled: true, token: MASTER },
      signing_secret: "e2e-signing-secret-0123456789abcdef0123456789",
      smtp: { host: "127.0.0.1", port: smtp.port, secure: false, from: "lightd <login@lightd.test>" },
      // E-mailed links point only at public_url (as behind a reverse proxy); the test maps it to the port.
      server: { public_url: "http://lightd.test" },
    }),
  );
  server = await startServer({ dir, readyTimeoutMs: 60_000 });
}, 180_000);

afterAll(async () => {
  await smtp?.stop();
  await cleanupE2E();
});

async function me(cookieHeader: string) {
  const res = await fetch(`${server.url}/auth/me`, { headers: { cookie: cookieHeader } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

browserTest("magic link: ask in the page, follow the e-mailed link, land in the dashboard", async () => {
  const b = await openBrowser();
  try {
    await b.page.goto(`${server.url}/`);
    await screenshot(b.page, "signin");
    await b.page.getByLabel("E-mail address").fill("reader@example.com");
    await b.page.getByRole("button", { name: "Send sign-in link" }).click();
    await b.page.getByRole("status").getByText("sign-in link").waitFor();

    const mail = await smtp.waitFor("reader@example.com");
    const link = /http:\/\/lightd\.test\/auth\/magic-link\/verify\?token=lightd_mlk_[0-9A-Za-z_]+/.exec(
      decodeQuotedPrintable(mail.raw),
    )?.[0] as string;
    expect(link).toBeDefined();
    await b.page.goto(link.replace("http://lightd.test", server.url));
    // A confirmation step (a button that posts the link) is followed the way a person would.
    if (!(await b.page.getByRole("heading", { name: "Files", exact: true }).isVisible())) {
      const confirm = b.page.getByRole("button").first();
      if (await confirm.isVisible()) await confirm.click();
    }
    await b.page.getByRole("heading", { name: "Files", exact: true }).waitFor();
    expect(new URL(b.page.url()).pathname).toBe("/");
    await screenshot(b.page, "files-empty");

    const cookies = await b.context.cookies(server.url);
    const session = cookies.find((c) => c.name === "lightd_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    const who = await me(`lightd_session=${session?.value}`);
    expect(who.status).toBe(200);
    expect(who.body.source).toBe("session");
    await b.page
      .getByText(who.body.actor as string, { exact: true })
      .first()
      .waitFor();
    expect(b.foreign).toEqual([]);
    expect(b.problems).toEqual([]);
  } finally {
    await b.close();
  }
});

browserTest("Ed25519: an openssl key file signs in; the key never leaves the page", async () => {
  const dir = makeTempDir();
  const pem = join(dir, "alice.pem");
  const gen = Bun.spawnSync(["openssl", "genpkey", "-algorithm", "ed25519", "-out", pem]);
  expect(gen.exitCode).toBe(0);
  const der = Bun.spawnSync(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"]).stdout;
  const publicKey = Buffer.from(der.subarray(der.length - 32)).toString("base64");
  const registered = await fetch(`${server.url}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ actor: "alice", public_key: publicKey }),
  });
  expect(registered.status).toBe(201);
  const pemBody = readFileSync(pem, "utf8").split("\n")[1] as string;

  const b = await openBrowser();
  const sent: string[] = [];
  b.page.on("request", (r) => sent.push(`${r.url()} ${r.postData() ?? ""}`));
  try {
    await b.page.goto(`${server.url}/`);
    await b.page.getByRole("tab", { name: "Ed25519 key" }).click();
    await b.page.getByLabel("Account name").fill("alice");
    await b.page.getByLabel("Private key file").setInputFiles(pem);
    // The page reads the file asynchronously: wait until the box shows it.
    await b.page.waitForFunction(() =>
      (document.getElementById("keytext") as HTMLTextAreaElement | null)?.value.includes("BEGIN PRIVATE KEY"),
    );
    expect(await b.page.getByLabel(/or paste it/).inputValue()).toContain("BEGIN PRIVATE KEY");
    await screenshot(b.page, "signin-key");
    await b.page.getByRole("button", { name: "Sign in with key" }).click();
    await b.page.getByRole("heading", { name: "Files", exact: true }).waitFor();
    await b.page.getByText("alice", { exact: true }).first().waitFor();

    const session = (await b.context.cookies(server.url)).find((c) => c.name === "lightd_session");
    const who = await me(`lightd_session=${session?.value}`);
    expect(who.body).toMatchObject({ actor: "alice", source: "session" });
    // What went over the wire: the challenge, the signature, the exchange — never the key.
    expect(sent.some((s) => s.includes("/auth/verify"))).toBe(true);
    expect(sent.filter((s) => s.includes(pemBody) || s.includes("PRIVATE KEY"))).toEqual([]);
    expect(b.problems).toEqual([]);

    // Signing out ends the session on the server, not only in the page.
    await b.page.getByRole("button", { name: "Sign out" }).click();
    await b.page.getByRole("heading", { name: "Sign in to lightd" }).waitFor();
    expect((await me(`lightd_session=${session?.value}`)).status).toBe(401);
  } finally {
    await b.close();
  }
});

browserTest("a wrong key shows the API's message next to the form", async () => {
  // An account of its own, registered with a key other than the one the form gets.
  const registered = await fetch(`${server.url}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      actor: "wrongkey",
      public_key: Buffer.from(nacl.sign.keyPair().publicKey).toString("base64"),
    }),
  });
  expect(registered.status).toBe(201);
  const b = await openBrowser();
  try {
    await b.page.goto(`${server.url}/`);
    await b.page.getByRole("tab", { name: "Ed25519 key" }).click();
    await b.page.getByLabel("Account name").fill("wrongkey");
    await b.page.getByLabel(/or paste it/).fill(Buffer.alloc(32, 7).toString("base64"));
    await b.page.getByRole("button", { name: "Sign in with key" }).click();
    const alert = b.page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/signature|Unauthorized|invalid/i);
    await b.page
      .getByLabel(/or paste it/)
      .fill("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----");
    await b.page.getByRole("button", { name: "Sign in with key" }).click();
    await b.page.getByRole("alert").getByText("That is a public key").waitFor();
  } finally {
    await b.close();
  }
});

browserTest(
  "register a new account in the page: key pair made in the browser, private key downloaded once",
  async () => {
    const b = await openBrowser();
    try {
      await b.page.goto(`${server.url}/`);
      await b.page.getByRole("tab", { name: "New account" }).click();
      await b.page.getByLabel("Account name").fill("newcomer");
      await b.page.getByRole("button", { name: "Create account" }).click();
      const [download] = await Promise.all([
        b.page.waitForEvent("download"),
        b.page.getByRole("link", { name: /Download private key/ }).click(),
      ]);
      const saved = join(makeTempDir(), "newcomer.pem");
      await download.saveAs(saved);
      // The downloaded key is a standard PKCS#8 file whose public half is the one registered.
      const der = Bun.spawnSync(["openssl", "pkey", "-in", saved, "-pubout", "-outform", "DER"]);
      expect(der.exitCode).toBe(0);
      const accounts = (await (
        await fetch(`${server.url}/admin/accounts`, { headers: { authorization: `Bearer ${MASTER}` } })
      ).json()) as { accounts: { actor: string; public_key: string | null }[] };
      const account = accounts.accounts.find((a) => a.actor === "newcomer");
      expect(account?.public_key).toBe(Buffer.from(der.stdout.subarray(der.stdout.length - 32)).toString("base64"));
      await b.page.getByRole("button", { name: "Continue to the dashboard" }).click();
      await b.page.getByRole("heading", { name: "Files", exact: true }).waitFor();
      await b.page.getByText("newcomer", { exact: true }).first().waitFor();
    } finally {
      await b.close();
    }
  },
);
