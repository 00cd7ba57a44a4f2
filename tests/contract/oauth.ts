import { createHash, randomBytes } from "node:crypto";
import type { CallOptions, ContractRun } from "./run";

/**
 * OAuth 2.0 through the validating proxy: app registration and its management, the consent
 * details, the authorization code with PKCE (the consent form's POST is a browser page, sent
 * straight), the token, refresh, introspection and revocation endpoints with their RFC 6749
 * errors, and the authorized apps. `run` has no `server.public_url` (no issuer: 503);
 * `issuer` has one.
 */
/** `server.public_url` of the stacks that have an OAuth issuer (nothing listens there: only its name matters). */
export const CONTRACT_ISSUER = "http://127.0.0.1:1";
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const REDIRECT = "https://app.example/callback";
const form = (fields: Record<string, string>) => ({ token: null, body: new URLSearchParams(fields), headers: FORM });
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`,
});
const b64url = (bytes: Buffer) => bytes.toString("base64url");

/** An authorization request of an app that is not registered (every field the document requires). */
const UNKNOWN_APP_REQUEST = {
  response_type: "code",
  client_id: "nope",
  redirect_uri: REDIRECT,
  scope: "files:read",
  code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  code_challenge_method: "S256",
};

/** The sample requests the generic sweeps and the rate-limit steps send. */
export const oauthForms = {
  token: { grant_type: "refresh_token", refresh_token: "lightd_ort_unknown", client_id: "nope" },
  revoke: { token: "lightd_oat_unknown", client_id: "nope" },
  authorize: UNKNOWN_APP_REQUEST,
  consent: { ...UNKNOWN_APP_REQUEST, decision: "allow" },
};
const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

export async function oauthSteps(run: ContractRun, issuer: ContractRun): Promise<void> {
  // No issuer configured: every protocol endpoint names the missing setting.
  await run.call("GET /.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server", 503, {
    token: null,
  });
  await run.call("POST /oauth/token", "/oauth/token", 503, form(oauthForms.token));
  await run.call("POST /oauth/revoke", "/oauth/revoke", 503, form(oauthForms.revoke));
  await run.call("POST /oauth/introspect", "/oauth/introspect", 503, form(oauthForms.revoke));
  await run.call("GET /oauth/consent", "/oauth/consent?response_type=code&client_id=nope", 503);
  const unknownApp = `/oauth/authorize?${new URLSearchParams(UNKNOWN_APP_REQUEST)}`;
  await run.call("GET /oauth/authorize", unknownApp, 503, { token: null });
  await run.call("GET /oauth/authorize", unknownApp, 503, { token: null, headers: BROWSER });
  await run.call("POST /oauth/authorize", "/oauth/authorize", 503, {
    body: new URLSearchParams(oauthForms.consent),
    headers: FORM,
  });

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
  // The authorization endpoint: the consent page, its refusals (a page for a browser, JSON
  // otherwise), and its 303 answers, sent straight (the proxy would follow them to the app).
  await issuer.call("GET /oauth/authorize", `/oauth/authorize?${request}`, 200, { token: null, headers: BROWSER });
  await issuer.call("GET /oauth/authorize", unknownApp, 400, { token: null });
  await issuer.call("GET /oauth/authorize", unknownApp, 400, { token: null, headers: BROWSER });
  const unknownScope = new URLSearchParams({ ...Object.fromEntries(request), scope: "files:read admin" });
  const refused = await issuer.direct("GET /oauth/authorize", `/oauth/authorize?${unknownScope}`, 303, {
    token: null,
  });
  expectAnswer(issuer, "GET /oauth/authorize", refused, { error: "invalid_scope", state: "contract-state" });
  const consent = (fields: Record<string, string>, options: CallOptions = {}) => ({
    body: new URLSearchParams(fields),
    headers: FORM,
    ...options,
  });
  await issuer.call("POST /oauth/authorize", "/oauth/authorize", 400, consent(oauthForms.consent));
  await issuer.call("POST /oauth/authorize", "/oauth/authorize", 401, {
    ...consent({ ...Object.fromEntries(request), decision: "allow" }),
    token: "lightd_ses_AAAAAAAAAAAAAAAA_notasession0000000000000000",
  });
  // Prism itself refuses a body of another type: sent straight.
  await issuer.direct("POST /oauth/authorize", "/oauth/authorize", 415, {
    body: JSON.stringify({ ...Object.fromEntries(request), decision: "allow" }),
    headers: { "content-type": "application/json" },
  });
  const denied = await issuer.direct(
    "POST /oauth/authorize",
    "/oauth/authorize",
    303,
    consent({ ...Object.fromEntries(request), decision: "deny" }),
  );
  expectAnswer(issuer, "POST /oauth/authorize", denied, { error: "access_denied", state: "contract-state" });
  const allowed = await issuer.direct(
    "POST /oauth/authorize",
    "/oauth/authorize",
    303,
    consent({ ...Object.fromEntries(request), decision: "allow" }),
  );
  expectAnswer(issuer, "POST /oauth/authorize", allowed, { state: "contract-state" });
  const code = new URL(allowed.headers.get("location") ?? "http://x/").searchParams.get("code");
  if (!code) issuer.problems.push("POST /oauth/authorize: allowed, but no code");

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

/** A 303 of the authorization endpoint goes to the registered redirect URI with `iss` and what `fields` name. */
function expectAnswer(run: ContractRun, op: string, response: Response, fields: Record<string, string>): void {
  const location = new URL(response.headers.get("location") ?? "http://nowhere.invalid/");
  const at = `${location.origin}${location.pathname}`;
  const got = Object.fromEntries(
    [...Object.keys(fields), "iss"].map((name) => [name, location.searchParams.get(name)]),
  );
  const want = { ...fields, iss: CONTRACT_ISSUER };
  if (at !== REDIRECT || JSON.stringify(got) !== JSON.stringify(want)) {
    run.problems.push(`${op}: 303 to ${location.href}, expected ${REDIRECT} with ${JSON.stringify(want)}`);
  }
}
