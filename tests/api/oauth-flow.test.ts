import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import * as oauth from "oauth4webapi";
import { naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";
import {
  authorizationParams,
  consent,
  discover,
  ISSUER,
  REDIRECT,
  type RegisteredClient,
  registerClient,
  viaApp,
} from "../fixtures/oauth";

/**
 * The authorization code flow with PKCE driven by panva's oauth4webapi, unmodified (it checks
 * the issuer, `iss`, `state` and the token answer strictly), against lightd in process:
 * discovery → authorize → consent → code → token → a call to /files → refresh → the old
 * refresh token refused → the whole authorization revoked on its reuse.
 */
// Each exchange and refresh runs argon2 several times (secrets at rest); a busy machine needs time.
setDefaultTimeout(120_000);
let clock = Date.now();
const t = makeTestApp({ config: { server: { public_url: ISSUER } }, now: () => clock });
afterAll(() => t.close());
let session = "";
let app: RegisteredClient;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  session = await registerAndLogin(t, naclSigner("alice"));
  app = await registerClient(t, session);
  as = await discover(t);
});

async function authorize(client: oauth.Client, scope = "files:read files:write") {
  const { params, verifier, state } = await authorizationParams(client.client_id, { scope });
  const page = await t.handle(new Request(`http://localhost/oauth/authorize?${params}`));
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toStartWith("text/html");
  const answer = await consent(t, session, params);
  expect(answer.status).toBe(303);
  const callback = oauth.validateAuthResponse(as, client, new URL(answer.headers.get("location") as string), state);
  return { callback, verifier };
}

/** The whole code flow as an app runs it: authorize, consent, then the code exchanged for tokens. */
async function codeFlow(client: oauth.Client, auth: oauth.ClientAuth) {
  const { callback, verifier } = await authorize(client);
  return oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT, verifier, viaApp(t)),
  );
}

test("discovery: RFC 8414 metadata that oauth4webapi accepts", () => {
  expect(as.issuer).toBe(ISSUER);
  expect(as.code_challenge_methods_supported).toEqual(["S256"]);
  expect(as.authorization_response_iss_parameter_supported).toBe(true);
  expect(as.token_endpoint).toBe(`${ISSUER}/oauth/token`);
  expect(as.grant_types_supported).toEqual(["authorization_code", "refresh_token"]);
});

test("confidential app: code with PKCE → tokens → /files → refresh rotates → reuse revokes everything", async () => {
  expect(app.client_secret).toStartWith("lightd_ocs_");
  const client: oauth.Client = { client_id: app.client_id };
  const auth = oauth.ClientSecretBasic(app.client_secret as string);
  const { callback, verifier } = await authorize(client);
  const codeRes = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, REDIRECT, verifier, viaApp(t));
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, codeRes);
  expect(tokens.token_type).toBe("bearer");
  expect(tokens.expires_in).toBe(3600);
  expect(tokens.scope).toBe("files:read files:write");
  expect(tokens.access_token).toStartWith("lightd_oat_");
  expect(tokens.refresh_token).toStartWith("lightd_ort_");

  // The access token is a lightd credential: files:write lets it upload, and it has no more than that.
  const put = await t.request("PUT", "/files/from-app.txt", { token: tokens.access_token, body: "hi" });
  expect(put.status).toBe(200);
  const list = await t.request("GET", "/files", { token: tokens.access_token });
  expect(list.status).toBe(200);
  const del = await t.request("DELETE", "/files/from-app.txt", { token: tokens.access_token });
  expect(del.status).toBe(403);
  const me = (await (await t.request("GET", "/auth/me", { token: tokens.access_token })).json()) as {
    actor: string;
    source: string;
  };
  expect(me).toMatchObject({ actor: "alice", source: "oauth" });
  // A refresh token is never a bearer credential.
  expect((await t.request("GET", "/files", { token: tokens.refresh_token as string })).status).toBe(401);

  const refreshRes = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, viaApp(t));
  const refreshed = await oauth.processRefreshTokenResponse(as, client, refreshRes);
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  expect((await t.request("GET", "/files", { token: refreshed.access_token })).status).toBe(200);
  // Not even once the token endpoint has verified it (the verifier's cache must not make it one).
  expect((await t.request("GET", "/files", { token: tokens.refresh_token as string })).status).toBe(401);
  expect((await t.request("GET", "/files", { token: refreshed.refresh_token as string })).status).toBe(401);

  // After the grace window the old refresh token is a replay: refused, and the whole family ends.
  clock += 5_000;
  const replay = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, viaApp(t));
  const refusal = await oauth.processRefreshTokenResponse(as, client, replay).catch((e) => e);
  expect(refusal).toBeInstanceOf(oauth.ResponseBodyError);
  expect((refusal as oauth.ResponseBodyError).error).toBe("invalid_grant");
  expect((await t.request("GET", "/files", { token: refreshed.access_token })).status).toBe(401);
  expect((await t.request("GET", "/files", { token: tokens.access_token })).status).toBe(401);
  const again = await oauth.refreshTokenGrantRequest(as, client, auth, refreshed.refresh_token as string, viaApp(t));
  expect(again.status).toBe(400);
});

test("public app (PKCE only, client_secret_post nowhere): the flow works with oauth4webapi's None()", async () => {
  const pub = await registerClient(t, session, {
    client_name: "CLI",
    redirect_uris: ["http://127.0.0.1/callback"],
    token_endpoint_auth_method: "none",
  });
  expect(pub.client_secret).toBeUndefined();
  const client: oauth.Client = { client_id: pub.client_id, token_endpoint_auth_method: "none" };
  // RFC 8252 §7.3: the loopback port is chosen at run time.
  const redirect = "http://127.0.0.1:53124/callback";
  const { params, verifier, state } = await authorizationParams(pub.client_id, { redirect_uri: redirect });
  const answer = await consent(t, session, params);
  expect(answer.status).toBe(303);
  const location = answer.headers.get("location") as string;
  expect(location).toStartWith(`${redirect}?`);
  const callback = oauth.validateAuthResponse(as, client, new URL(location), state);
  const res = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callback,
    redirect,
    verifier,
    viaApp(t),
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
  expect((await t.request("GET", "/files", { token: tokens.access_token })).status).toBe(200);
});

test("client_secret_post works too, and two concurrent refreshes both succeed with the same answer", async () => {
  const postApp = await registerClient(t, session, { token_endpoint_auth_method: "client_secret_post" });
  const client: oauth.Client = { client_id: postApp.client_id };
  const auth = oauth.ClientSecretPost(postApp.client_secret as string);
  const tokens = await codeFlow(client, auth);
  const refresh = () =>
    oauth
      .refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, viaApp(t))
      .then((r) => oauth.processRefreshTokenResponse(as, client, r));
  const [a, b] = await Promise.all([refresh(), refresh()]);
  expect(a.access_token).toBe(b.access_token);
  expect(a.refresh_token).toBe(b.refresh_token);
  expect((await t.request("GET", "/files", { token: a.access_token })).status).toBe(200);
});

test("a secret sent by the other method than the one registered is refused (RFC 7591 token_endpoint_auth_method)", async () => {
  const postApp = await registerClient(t, session, { token_endpoint_auth_method: "client_secret_post" });
  const cases = [
    { client: app, auth: oauth.ClientSecretPost(app.client_secret as string), expected: "HTTP Basic" },
    { client: postApp, auth: oauth.ClientSecretBasic(postApp.client_secret as string), expected: "form body" },
  ];
  for (const { client, auth, expected } of cases) {
    const { callback, verifier } = await authorize({ client_id: client.client_id });
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      { client_id: client.client_id },
      auth,
      callback,
      REDIRECT,
      verifier,
      viaApp(t),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toStartWith("Basic");
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_client");
    expect(body.error_description).toContain(expected);
  }
});

test("deny: the app gets access_denied with state and iss, and oauth4webapi reports it", async () => {
  const client: oauth.Client = { client_id: app.client_id };
  const { params, state } = await authorizationParams(app.client_id);
  const answer = await consent(t, session, params, "deny");
  expect(answer.status).toBe(303);
  const url = new URL(answer.headers.get("location") as string);
  expect(url.searchParams.get("iss")).toBe(ISSUER);
  const error = (() => {
    try {
      oauth.validateAuthResponse(as, client, url, state);
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
  expect((error as oauth.AuthorizationResponseError).error).toBe("access_denied");
});

test("revocation (RFC 7009) and introspection (RFC 7662) through oauth4webapi", async () => {
  const client: oauth.Client = { client_id: app.client_id };
  const auth = oauth.ClientSecretBasic(app.client_secret as string);
  const tokens = await codeFlow(client, auth);
  const info = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, auth, tokens.access_token, viaApp(t)),
  );
  expect(info).toMatchObject({
    active: true,
    client_id: app.client_id,
    username: "alice",
    scope: "files:read files:write",
  });

  const revoked = await oauth.revocationRequest(as, client, auth, tokens.refresh_token as string, viaApp(t));
  await oauth.processRevocationResponse(revoked);
  expect((await t.request("GET", "/files", { token: tokens.access_token })).status).toBe(401);
  const after = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, auth, tokens.access_token, viaApp(t)),
  );
  expect(after).toEqual({ active: false });
  // Unknown tokens are answered 200 too (RFC 7009 §2.2).
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, "nonsense", viaApp(t)));
});

test("a refused access token gets the RFC 6750 challenge that oauth4webapi reads (invalid_token)", async () => {
  const client: oauth.Client = { client_id: app.client_id };
  const auth = oauth.ClientSecretBasic(app.client_secret as string);
  const tokens = await codeFlow(client, auth);
  const files = new URL(`${ISSUER}/files`);
  const options = viaApp(t) as unknown as oauth.ProtectedResourceRequestOptions;
  const ok = await oauth.protectedResourceRequest(tokens.access_token, "GET", files, undefined, undefined, options);
  expect(ok.status).toBe(200);
  await oauth.revocationRequest(as, client, auth, tokens.access_token, viaApp(t));
  const refused = await oauth
    .protectedResourceRequest(tokens.access_token, "GET", files, undefined, undefined, options)
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(refused).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
  const [challenge] = (refused as oauth.WWWAuthenticateChallengeError).cause;
  expect(challenge?.scheme).toBe("bearer");
  expect(challenge?.parameters.realm).toBe("lightd");
  expect(challenge?.parameters.error).toBe("invalid_token");
});
