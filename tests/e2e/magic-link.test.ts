import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "../fixtures/binary";
import { decodeQuotedPrintable, type SmtpFixture, startSmtp } from "../fixtures/smtp";

/**
 * The whole e-mail sign-in against the real lightd executable and a real SMTP server:
 * ask for a link, read the delivered message, follow the link, land signed in.
 */
let smtp: SmtpFixture;
let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), "lightd-magic-"));

beforeAll(async () => {
  smtp = await startSmtp();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { enabled: true, token: "lightd_e2e_master_token_0123456789" },
      signing_secret: "e2e-signing-secret-0123456789abcdef0123456789",
      smtp: { host: "127.0.0.1", port: smtp.port, secure: false, from: "lightd <login@lightd.test>" },
      // E-mailed links point here and nowhere else (as behind a reverse proxy); the test maps it to the port.
      server: { public_url: "http://lightd.test" },
    }),
  );
  server = await startServer({ dir, readyTimeoutMs: 60_000 });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("ask for a link, read the e-mail, follow it, land signed in", async () => {
  const asked = await fetch(`${server.url}/auth/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "reader@example.com" }),
  });
  expect(asked.status).toBe(200);
  expect(((await asked.json()) as { message: string }).message).toContain("sign-in link");

  const mail = await smtp.waitFor("reader@example.com");
  expect(mail.from).toBe("login@lightd.test");
  expect(mail.raw).toMatch(/^Subject: Your lightd sign-in link/m);
  expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/i);
  expect(mail.raw).toMatch(/Content-Type: text\/plain/i);
  expect(mail.raw).toMatch(/Content-Type: text\/html/i);
  const body = decodeQuotedPrintable(mail.raw);
  const links = [
    ...body.matchAll(/http:\/\/lightd\.test\/auth\/magic-link\/verify\?token=lightd_mlk_[0-9A-Za-z_]+/g),
  ].map((m) => m[0]);
  expect(links.length).toBeGreaterThanOrEqual(2); // in the text part and the HTML part
  const link = (links[0] as string).replace("http://lightd.test", server.url);
  expect(new Set(links).size).toBe(1);

  // Opening the link shows a page; its button POSTs the token, and only that signs in.
  const page = await fetch(link, { redirect: "manual" });
  expect(page.status).toBe(200);
  expect(page.headers.get("set-cookie")).toBeNull();
  const token = /name="token" value="([^"]+)"/.exec(await page.text())?.[1] as string;
  const press = () =>
    fetch(`${server.url}/auth/magic-link/verify`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
      body: new URLSearchParams({ token }),
    });
  const landed = await press();
  expect(landed.status).toBe(303);
  expect(landed.headers.get("location")).toBe("/");
  const setCookie = landed.headers.get("set-cookie") as string;
  expect(setCookie).toContain("HttpOnly");
  expect(setCookie).toContain("SameSite=Strict");
  const cookie = setCookie.split(";")[0] as string;

  const me = await fetch(`${server.url}/auth/me`, { headers: { cookie } });
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ actor: "reader", source: "session" });
  const put = await fetch(`${server.url}/files/notes/hello.txt`, { method: "PUT", headers: { cookie }, body: "hi" });
  expect(put.status).toBe(200);

  // The link worked once.
  expect((await press()).status).toBe(401);
  // Logging out with the cookie ends the session at once.
  expect((await fetch(`${server.url}/auth/logout`, { method: "POST", headers: { cookie } })).status).toBe(200);
  expect((await fetch(`${server.url}/auth/me`, { headers: { cookie } })).status).toBe(401);
}, 30_000);

test("an unknown and a known address get the same answer, and both get mail", async () => {
  const ask = (email: string) =>
    fetch(`${server.url}/auth/magic-link`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
  const known = await ask("reader@example.com");
  const unknown = await ask("nobody-yet@example.com");
  expect(known.status).toBe(unknown.status);
  expect(await known.text()).toBe(await unknown.text());
  await smtp.waitFor("nobody-yet@example.com");
}, 30_000);
