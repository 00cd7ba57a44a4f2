import { createHash, randomBytes } from "node:crypto";
import type { ContractRun } from "./run";

/**
 * OAuth 2.0 through the validating proxy: app registration and its management, the consent
 * details, the authorization code with PKCE (the consent form's POST is a browser page, sent
 * straight), the token, refresh, introspection and revocation endpoints with their RFC 6749
 * errors, and the authorized apps. `run` has no `server.public_url` (no issuer: 503);
 * `issuer` has one.
 */
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const REDIRECT = "https://app.example/callback";
const form = (fields: Record<string, string>) => ({ token: null, body: new URLSearchParams(fields), headers: FORM });
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`,
});
const b64url = (bytes: Buffer) => bytes.toString("base64url");

/** The sample form bodies the generic sweeps and the rate-limit steps send. */
export const oauthForms = {
  token: { grant_type: "refresh_token", refresh_token: "lightd_ort_unknown", client_id: "nope" },
  revoke: { token: "lightd_oat_unknown", client_id: "nope" },
};

export async function oauthSteps(run: ContractRun, issuer: ContractRun): Promise<void> {
  // No issuer configured: every protocol endpoint names the missing setting.
  await run.call("GET /.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server", 503, {
    token: null,
  });
  await run.call("POST /oauth/token", "/oauth/token", 503, form(oauthForms.token));
  await run.call("POST /oauth/revoke", "/oauth/revoke", 503, form(oauthForms.revoke));
  await run.call("POST /oauth/introspect", "/oauth/introspect", 503, form(oauthForms.revoke));
  await run.call("GET /oauth/consent", "/oauth/consent?response_type=code&client_id=nope", 503);

  await issuer.call("GET /.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server", 200, {
    token: null,
  });
  const app = await (
    await issuer.call("POST /oauth/clients", "/oauth/clients", 201, {
      json: { client_name: "Contract app", redirect_uris: [REDIRECT] },
    })
  ).json();
  const publicApp = await (
    await issuer.call("POST /oauth/clients", "/oauth/clients", 201, {
      json: { client_name: "Contract public app", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" },
    })
  ).json();
  await issuer.call("POST /oauth/clients", "/oauth/clients", 400, {
    json: { client_name: "Open redirect", redirect_uris: ["http://evil.example/callback"] },
  });
  await issuer.call("GET /oauth/clients", "/oauth/clients", 200);
  const rotated = await (
    await issuer.call("POST /oauth/clients/{id}/secret", `/oauth/clients/${app.client_id}/secret`, 200)
  ).json();
  await issuer.call("POST /oauth/clients/{id}/secret", `/oauth/clients/${publicApp.client_id}/secret`, 400);
  await issuer.call("POST /oauth/clients/{id}/secret", "/oauth/clients/nope/secret", 404);

  // The authorization request, its consent details, and the person's "Allow".
  const verifier = b64url(randomBytes(32));
  const request = new URLSearchParams({
    response_type: "code",
    client_id: app.client_id,
    redirect_uri: REDIRECT,
    scope: "files:read",
    state: "contract-state",
    code_challenge: b64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
  });
  await issuer.call("GET /oauth/consent", `/oauth/consent?${request}`, 200);
  await issuer.call("GET /oauth/consent", "/oauth/consent?response_type=code&client_id=nope", 400);
  const allowed = await fetch(`${issuer.serverUrl}/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { ...FORM, authorization: `Bearer ${issuer.master}` },
    body: new URLSearchParams({ ...Object.fromEntries(request), decision: "allow" }),
  });
  const code = new URL(allowed.headers.get("location") ?? "http://x/").searchParams.get("code");
  if (allowed.status !== 303 || !code) issuer.problems.push(`POST /oauth/authorize: ${allowed.status}, no code`);

  // Tokens: the code once, then a refresh (a wrong secret refused first).
  const client = basic(app.client_id, rotated.client_secret);
  const withClient = (fields: Record<string, string>, auth = client) => ({
    ...form(fields),
    headers: { ...FORM, ...auth },
  });
  const exchange = {
    grant_type: "authorization_code",
    code: code ?? "",
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  };
  const first = await (await issuer.call("POST /oauth/token", "/oauth/token", 200, withClient(exchange))).json();
  const refresh = { grant_type: "refresh_token", refresh_token: first.refresh_token };
  const wrong = basic(app.client_id, "wrong-secret");
  await issuer.call("POST /oauth/token", "/oauth/token", 401, withClient(refresh, wrong));
  const tokens = await (await issuer.call("POST /oauth/token", "/oauth/token", 200, withClient(refresh))).json();

  const live = { token: tokens.access_token };
  await issuer.call("POST /oauth/introspect", "/oauth/introspect", 200, withClient(live));
  await issuer.call("POST /oauth/introspect", "/oauth/introspect", 401, withClient(live, wrong));
  await issuer.call("POST /oauth/revoke", "/oauth/revoke", 200, withClient(live));
  await issuer.call("POST /oauth/revoke", "/oauth/revoke", 401, withClient(live, wrong));
  // Prism itself refuses a form that lacks a required field: sent straight, checked against the document.
  const incomplete = {
    token: null,
    body: new URLSearchParams({ token_type_hint: "x" }),
    headers: { ...FORM, ...client },
  };
  await issuer.direct("POST /oauth/introspect", "/oauth/introspect", 400, incomplete);
  await issuer.direct("POST /oauth/revoke", "/oauth/revoke", 400, incomplete);
  await issuer.direct("POST /oauth/token", "/oauth/token", 400, incomplete);

  // The person's view: the app they allowed, revoked once (then 404).
  const { authorizations } = await (
    await issuer.call("GET /oauth/authorizations", "/oauth/authorizations", 200)
  ).json();
  const grant = authorizations.find((a: { client_id: string }) => a.client_id === app.client_id);
  await issuer.call("DELETE /oauth/authorizations/{id}", `/oauth/authorizations/${grant?.id}`, 200);
  await issuer.call("DELETE /oauth/authorizations/{id}", `/oauth/authorizations/${grant?.id}`, 404);
  // A code works once.
  await issuer.call("POST /oauth/token", "/oauth/token", 400, withClient(exchange));

  await issuer.call("DELETE /oauth/clients/{id}", `/oauth/clients/${app.client_id}`, 200);
  await issuer.call("DELETE /oauth/clients/{id}", `/oauth/clients/${app.client_id}`, 404);
}
