import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupE2E, makeTempDir, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * The dashboard's "OAuth apps" page on the compiled binary, as a developer and a person use it:
 * register an app in the form and copy its secret (shown once), let the app in, see it listed
 * with its scopes and last use, rotate its secret (the old one is refused at once) and revoke
 * its access (its tokens are refused at the next request).
 */
setDefaultTimeout(180_000);
let server: RunningServer;
let master: string;
const REDIRECT = "https://photos.example/callback";

beforeAll(async () => {
  if (NO_BROWSER) return;
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { token: "lightd_oauth_apps_master_token_0123456789" },
      signing_secret: "oauth-apps-signing-secret-0123456789abcdef",
      server: { public_url: `http://127.0.0.1:${port}` },
    }),
  );
  server = await startServer({ dir, args: ["--port", String(port)], readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
}, 180_000);
afterAll(cleanupE2E);

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

/** The app's side of the flow (the consent answered by the account's own token, as its form would). */
async function authorize(clientId: string, secret: string) {
  const verifier = randomBytes(32).toString("base64url");
  const form = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: "files:read share",
    state: "s",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    decision: "allow",
  });
  const allowed = await fetch(`${server.url}/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { authorization: `Bearer ${master}`, "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const code = new URL(allowed.headers.get("location") as string).searchParams.get("code") as string;
  const res = await token(clientId, secret, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

const token = (clientId: string, secret: string, fields: Record<string, string>) =>
  fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { authorization: basic(clientId, secret), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
const files = (access: string) => fetch(`${server.url}/files`, { headers: { authorization: `Bearer ${access}` } });

browserTest("register an app, see it authorized with scopes and last use, rotate its secret, revoke it", async () => {
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "OAuth apps" }).click();
    await page.getByRole("heading", { name: "OAuth applications" }).waitFor();
    await page.getByText("No app has access to your account.").waitFor();

    await page.getByLabel("Application name").fill("Photo Sync");
    await page.getByLabel("Redirect URIs (one per line)").fill(`${REDIRECT}\nhttp://127.0.0.1/callback`);
    await page.getByRole("button", { name: "Register application" }).click();
    await page.getByText("It will not be shown again").waitFor();
    const secret = await page.getByLabel("New client secret").inputValue();
    expect(secret).toStartWith("lightd_ocs_");
    const clientId = ((await page.locator("p", { hasText: "Client ID:" }).locator(".mono").textContent()) ?? "").trim();
    expect(clientId).not.toBe("");
    await page.getByRole("button", { name: "Done" }).click();
    const row = page.getByRole("row", { name: /Photo Sync/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("confidential");

    const tokens = await authorize(clientId, secret);
    expect((await files(tokens.access_token)).status).toBe(200);
    await page.reload();
    const granted = page.getByRole("table", { name: "Authorized apps" }).getByRole("row", { name: /Photo Sync/ });
    await granted.waitFor();
    const text = (await granted.textContent()) ?? "";
    expect(text).toContain("files:read");
    expect(text).toContain("share");
    expect(text).not.toContain("never");
    await screenshot(page, "oauth-apps");

    await page.getByRole("button", { name: "Rotate the secret of Photo Sync" }).click();
    await page.getByRole("button", { name: "Rotate secret", exact: true }).click();
    await page.getByText("It will not be shown again").waitFor();
    const rotated = await page.getByLabel("New client secret").inputValue();
    expect(rotated).not.toBe(secret);
    const old = await token(clientId, secret, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    expect(old.status).toBe(401);
    await page.getByRole("button", { name: "Done" }).click();

    await page.getByRole("button", { name: "Revoke access of Photo Sync" }).click();
    await page.getByRole("button", { name: "Revoke access", exact: true }).click();
    await page.getByText("No app has access to your account.").waitFor();
    expect((await files(tokens.access_token)).status).toBe(401);
    const refresh = await token(clientId, rotated, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
    });
    expect(refresh.status).toBe(400);
    expect(b.problems).toEqual([]);
  } finally {
    await b.close();
  }
});
