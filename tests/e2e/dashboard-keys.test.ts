import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { cleanupE2E, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * The API-key page as seeds 001/002/004 describe it: create a key, copy the secret shown
 * once, use it with curl, see its usage, then revoke it and watch curl be refused.
 */
setDefaultTimeout(90_000);
let server: RunningServer;
let master: string;

beforeAll(async () => {
  if (NO_BROWSER) return;
  server = await startServer({ readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
}, 180_000);
afterAll(cleanupE2E);

function curl(...args: string[]): { status: number; body: string } {
  const run = Bun.spawnSync(["curl", "-s", "-w", "\n%{http_code}", ...args]);
  const out = run.stdout.toString();
  const cut = out.lastIndexOf("\n");
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) };
}

browserTest("create a key, copy it, use it with curl, revoke it, curl is refused", async () => {
  const b = await openBrowser();
  try {
    await b.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name").fill("deploy-bot");
    await page.getByLabel("Path prefix (empty: all your files)").fill("site/");
    await page.getByLabel("Expires after").selectOption({ label: "7 days" });
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByText("It will not be shown again").waitFor();
    await screenshot(page, "key-created");

    await page.getByRole("button", { name: "Copy API key" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toStartWith("lightd_live_");
    expect(copied).toBe(await page.getByLabel("New API key").inputValue());

    // The key works from curl, inside its prefix only.
    const put = curl(
      "-X",
      "PUT",
      "-H",
      `Authorization: ApiKey ${copied}`,
      "--data-binary",
      "hello",
      `${server.url}/files/site/index.html`,
    );
    expect(put.status).toBe(200);
    const outside = curl(
      "-X",
      "PUT",
      "-H",
      `Authorization: ApiKey ${copied}`,
      "--data-binary",
      "x",
      `${server.url}/files/other.txt`,
    );
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body).message).toBe("Path not allowed");

    await page.getByRole("button", { name: "I have stored it" }).click();
    await page.reload();
    await page.getByRole("row", { name: /deploy-bot/ }).waitFor();
    await screenshot(page, "keys");

    // Rotation rules of seed 002 as a clear message: a key rotates at most once an hour, so a fresh key
    // may rotate once; the message for a second rotation comes from the API.
    await page.getByRole("button", { name: "Rotate deploy-bot" }).click();
    await page.getByRole("button", { name: "Rotate key" }).click();
    await page.getByText("It will not be shown again").waitFor();
    const rotated = await page.getByLabel("New API key").inputValue();
    expect(rotated).not.toBe(copied);
    expect(curl("-H", `Authorization: ApiKey ${copied}`, `${server.url}/files?prefix=site/`).status).toBe(401);
    expect(curl("-H", `Authorization: ApiKey ${rotated}`, `${server.url}/files?prefix=site/`).status).toBe(200);
    await page.getByRole("button", { name: "Rotate deploy-bot" }).click();
    await page.getByRole("button", { name: "Rotate key" }).click();
    const refusal = page.getByRole("dialog").getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/hour/i);
    await screenshot(page, "key-rotate-refused");
    await page.getByRole("button", { name: "Cancel" }).click();

    await page.getByRole("button", { name: "Revoke deploy-bot" }).click();
    await page.getByRole("button", { name: "Revoke key" }).click();
    await page.getByText("No keys yet.").waitFor();
    const refused = curl("-H", `Authorization: ApiKey ${rotated}`, `${server.url}/files?prefix=site/`);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error).toBe("unauthorized");
    expect(b.problems).toEqual([]);
  } finally {
    await b.close();
  }
});

browserTest("tokens page (master token): a single-use token made in the page works exactly once", async () => {
  const b = await openBrowser();
  try {
    await signInWithToken(b.page, server.url, master);
    await b.page.getByRole("link", { name: "Tokens" }).click();
    await b.page.getByLabel(/Lifetime/).fill("forever");
    await b.page.getByRole("button", { name: "Create token" }).click();
    await b.page
      .getByRole("alert")
      .getByText(/Invalid ttl/)
      .waitFor();
    await b.page.getByLabel(/Lifetime/).fill("15m");
    await b.page.getByLabel(/Single use/).check();
    await b.page.getByRole("button", { name: "Create token" }).click();
    const token = await b.page.getByLabel("New token").inputValue();
    await screenshot(b.page, "tokens");
    expect(curl("-H", `Authorization: Bearer ${token}`, `${server.url}/auth/me`).status).toBe(200);
    expect(curl("-H", `Authorization: Bearer ${token}`, `${server.url}/auth/me`).status).toBe(401);
  } finally {
    await b.close();
  }
});

browserTest("accounts (admin): create one, see it listed, delete it after confirming", async () => {
  const b = await openBrowser();
  try {
    const page = b.page;
    await signInWithToken(page, server.url, master);
    await page.getByRole("link", { name: "Accounts" }).click();
    await page.getByLabel("Account name").fill("bad name!");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("Account name").fill("carol");
    await page.getByLabel(/E-mail/).fill("carol@example.com");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("carol@example.com").waitFor();
    const listed = (await (
      await fetch(`${server.url}/admin/accounts`, { headers: { authorization: `Bearer ${master}` } })
    ).json()) as { accounts: { actor: string }[] };
    expect(listed.accounts.map((a) => a.actor)).toContain("carol");
    await page.getByRole("button", { name: "Delete account carol" }).click();
    await page.getByRole("button", { name: "Delete account", exact: true }).click();
    await page.getByText("carol@example.com").waitFor({ state: "detached" });
    const after = (await (
      await fetch(`${server.url}/admin/accounts`, { headers: { authorization: `Bearer ${master}` } })
    ).json()) as { accounts: { actor: string }[] };
    expect(after.accounts.map((a) => a.actor)).not.toContain("carol");
  } finally {
    await b.close();
  }
});
