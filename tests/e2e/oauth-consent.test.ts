import { afterAll, beforeAll, expect, setDefaultTimeout } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as oauth from "oauth4webapi";
import type { Page } from "playwright-core";
import { cleanupE2E, makeTempDir, pollUntil, ROOT, type RunningServer, startServer } from "../fixtures/binary";
import { browserTest, masterTokenOf, NO_BROWSER, openBrowser, screenshot, signInWithToken } from "../fixtures/browser";

/**
 * The whole OAuth flow against the compiled binary, as a third-party app lives it: the app (a
 * page on another site, http://localhost) links to lightd, the person consents in headless
 * Chromium, and panva's oauth4webapi — unmodified, strict about issuer, `iss`, state and PKCE —
 * discovers, exchanges the code, calls /files, refreshes, and sees the old refresh token
 * refused and its whole authorization revoked when it is replayed.
 */
// Chromium signs in and consents twice; a busy shared machine needs the room.
setDefaultTimeout(300_000);
let server: RunningServer;
let master: string;
let issuer: URL;

/** The third-party app: a start page linking to lightd, and the callback lightd redirects to. */
let authorizationUrl = "";
const app = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const url = new URL(request.url);
    const page = (body: string) =>
      new Response(`<!doctype html><html lang="en"><title>Photo Sync</title><main>${body}</main></html>`, {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    if (url.pathname === "/")
      return page(`<h1>Photo Sync</h1><a href="${authorizationUrl.replaceAll("&", "&amp;")}">Sign in with lightd</a>`);
    if (url.pathname === "/framed")
      return page(
        `<h1>Framing lightd</h1><iframe title="lightd" src="${authorizationUrl.replaceAll("&", "&amp;")}"></iframe>`,
      );
    if (url.pathname === "/callback") return page("<h1>Back in Photo Sync</h1>");
    return new Response("not found", { status: 404 });
  },
});
/** Another site than lightd's 127.0.0.1, so the browser treats the app as a third party. */
const APP = `http://localhost:${app.port}`;
const REDIRECT = `${APP}/callback`;
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  if (NO_BROWSER) return;
  // The issuer must be the server's own address: pick a free port and name it in config.json.
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port;
  probe.stop(true);
  const dir = makeTempDir();
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      authorization: { token: "lightd_oauth_e2e_master_token_0123456789" },
      signing_secret: "oauth-e2e-signing-secret-0123456789abcdef",
      server: { public_url: `http://127.0.0.1:${port}` },
    }),
  );
  server = await startServer({ dir, args: ["--port", String(port)], readyTimeoutMs: 60_000 });
  master = await masterTokenOf(server.configPath);
  issuer = new URL(server.url);
}, 180_000);
afterAll(async () => {
  app.stop(true);
  await cleanupE2E();
});

async function registerApp(): Promise<{ client_id: string; client_secret: string }> {
  const res = await fetch(`${server.url}/oauth/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${master}`, "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Photo Sync", redirect_uris: [REDIRECT] }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { client_id: string; client_secret: string };
}

async function startAuthorization(as: oauth.AuthorizationServer, clientId: string) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint as string);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: "files:read files:write",
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  authorizationUrl = url.href;
  return { verifier, state };
}

const AXE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (d: Document) => Promise<{ violations: { id: string; impact: string | null }[] }> };
      }
    ).axe;
    return (await axe.run(document)).violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

browserTest(
  "discovery → authorize → consent in Chromium → code → token → /files → refresh → replay revokes",
  async () => {
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }),
    );
    expect(as.issuer).toBe(server.url);
    const registered = await registerApp();
    const client: oauth.Client = { client_id: registered.client_id };
    const auth = oauth.ClientSecretBasic(registered.client_secret);
    const { verifier, state } = await startAuthorization(as, registered.client_id);

    const b = await openBrowser();
    try {
      const page = b.page;
      await signInWithToken(page, server.url, master);
      await page.goto(`${APP}/`);
      await page.getByRole("link", { name: "Sign in with lightd" }).click();
      await page.getByRole("heading", { name: "Allow Photo Sync to use your lightd account?" }).waitFor();
      const text = (await page.locator("main").textContent()) ?? "";
      expect(text).toContain(`localhost:${app.port}`);
      expect(text).toContain("See and download your files");
      expect(text).toContain("Upload files, create folders and move files");
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "oauth-consent");

      await page.getByRole("button", { name: "Allow" }).click();
      await page.getByRole("heading", { name: "Back in Photo Sync" }).waitFor();
      const callback = oauth.validateAuthResponse(as, client, new URL(page.url()), state);
      expect(b.problems).toEqual([]);

      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT, verifier, insecure),
      );
      const put = await fetch(`${server.url}/files/photos/a.txt`, {
        method: "PUT",
        body: "hello",
        ...bearer(tokens.access_token),
      });
      expect(put.status).toBe(200);
      expect((await fetch(`${server.url}/files?prefix=photos/`, bearer(tokens.access_token))).status).toBe(200);

      const refresh = (token: string) => oauth.refreshTokenGrantRequest(as, client, auth, token, insecure);
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await refresh(tokens.refresh_token as string),
      );
      expect((await fetch(`${server.url}/files`, bearer(refreshed.access_token))).status).toBe(200);

      // A replay of the spent refresh token: within the 2-second grace it gets the same answer;
      // after it, it is refused and every token of the authorization ends.
      let replay: Response | undefined;
      expect(
        await pollUntil(
          async () => {
            replay = await refresh(tokens.refresh_token as string);
            return replay.status !== 200;
          },
          30_000,
          250,
        ),
      ).toBe(true);
      expect(replay?.status).toBe(400);
      expect(((await (replay as Response).json()) as { error: string }).error).toBe("invalid_grant");
      expect((await fetch(`${server.url}/files`, bearer(refreshed.access_token))).status).toBe(401);
      expect((await refresh(refreshed.refresh_token as string)).status).toBe(400);
    } finally {
      await b.close();
    }
  },
);

browserTest(
  "not signed in: sign in on the consent page, come back to it, deny; the page cannot be framed",
  async () => {
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }),
    );
    const registered = await registerApp();
    const client: oauth.Client = { client_id: registered.client_id };
    const { state } = await startAuthorization(as, registered.client_id);
    const b = await openBrowser();
    try {
      const page = b.page;
      // Framed by the app's page: the browser refuses to render lightd inside it.
      await page.goto(`${APP}/framed`);
      await page.waitForLoadState("load");
      const framed = page.frames().find((f) => f !== page.mainFrame());
      expect(framed?.url() ?? "").not.toStartWith(server.url);
      expect(
        await page
          .frameLocator("iframe")
          .getByRole("heading", { name: /Allow|Sign in/ })
          .count(),
      ).toBe(0);

      await page.goto(`${APP}/`);
      await page.getByRole("link", { name: "Sign in with lightd" }).click();
      await page.getByRole("tab", { name: "Token or API key" }).click();
      await page.getByLabel("Token", { exact: true }).fill(master);
      await page.getByRole("button", { name: "Sign in with token" }).click();
      await page.getByRole("heading", { name: "Allow Photo Sync to use your lightd account?" }).waitFor();
      await page.getByRole("button", { name: "Deny" }).click();
      await page.getByRole("heading", { name: "Back in Photo Sync" }).waitFor();
      const error = (() => {
        try {
          oauth.validateAuthResponse(as, client, new URL(page.url()), state);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
      expect((error as oauth.AuthorizationResponseError).error).toBe("access_denied");
    } finally {
      await b.close();
    }
  },
);
