import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createKey, login, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";
import {
  authorizationParams,
  basic,
  consent,
  ISSUER,
  postForm,
  REDIRECT,
  type RegisteredClient,
  registerClient,
} from "../fixtures/oauth";

/**
 * Hostile and mistaken OAuth requests, one row each: what must never be redirected to is shown
 * as a page, what may be is answered at the app's redirect URI with RFC 6749 parameters, and the
 * token endpoint refuses in RFC 6749 JSON. No row ever gets a 500.
 */
// Each exchange and refresh runs argon2 several times (secrets at rest); a busy machine needs time.
setDefaultTimeout(120_000);
let clock = Date.now();
const t = makeTestApp({ config: { server: { public_url: ISSUER } }, now: () => clock });
afterAll(() => t.close());
let session = "";
let app: RegisteredClient;
let other: RegisteredClient;
let pub: RegisteredClient;
const bob = naclSigner("bob");

beforeAll(async () => {
  session = await registerAndLogin(t, bob);
  app = await registerClient(t, session);
  other = await registerClient(t, session, { client_name: "Other", redirect_uris: ["https://other.example/cb"] });
  pub = await registerClient(t, session, { client_name: "Public", token_endpoint_auth_method: "none" });
});

/** The authorization endpoint as a browser opens it. */
const authorizeGet = (params: URLSearchParams | string) =>
  t.handle(
    new Request(`http://localhost/oauth/authorize?${params}`, {
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    }),
  );

describe("authorization endpoint: never redirect to what the app did not register", () => {
  const rows: { name: string; over: Record<string, string | undefined>; extra?: string }[] = [
    { name: "unknown client_id", over: { client_id: "nosuchclient0000" } },
    { name: "no client_id", over: { client_id: undefined } },
    { name: "redirect_uri not registered", over: { redirect_uri: "https://evil.example/callback" } },
    { name: "registered URI plus a path", over: { redirect_uri: `${REDIRECT}/../../evil` } },
    { name: "registered URI plus a query", over: { redirect_uri: `${REDIRECT}?next=https://evil.example` } },
    {
      name: "registered host as a subdomain of another",
      over: { redirect_uri: "https://app.example.evil.example/callback" },
    },
    { name: "another port of an https URI", over: { redirect_uri: "https://app.example:8443/callback" } },
    { name: "userinfo trick", over: { redirect_uri: "https://app.example@evil.example/callback" } },
    { name: "case changed", over: { redirect_uri: REDIRECT.toUpperCase() } },
    { name: "client_id twice", over: {}, extra: "&client_id=x" },
    { name: "redirect_uri twice", over: {}, extra: `&redirect_uri=${encodeURIComponent(REDIRECT)}` },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const { params } = await authorizationParams(
        row.over.client_id === "nosuchclient0000" ? "nosuchclient0000" : app.client_id,
        row.over,
      );
      const res = await authorizeGet(`${params}${row.extra ?? ""}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toStartWith("text/html");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    });
  }

  test("a client that is not a browser gets the same refusal as lightd's JSON error", async () => {
    const { params } = await authorizationParams(app.client_id, { redirect_uri: "https://evil.example/cb" });
    const res = await t.handle(new Request(`http://localhost/oauth/authorize?${params}`));
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.json()).toEqual({
      error: "bad_request",
      message: "The redirect_uri is not one this application registered.",
    });
  });

  test("a loopback redirect may change its port; localhost and other hosts may not", async () => {
    const native = await registerClient(t, session, {
      client_name: "Native",
      redirect_uris: ["http://127.0.0.1/cb", "http://[::1]:8000/cb", "http://localhost:9000/cb"],
      token_endpoint_auth_method: "none",
    });
    for (const uri of ["http://127.0.0.1:61234/cb", "http://[::1]:1/cb", "http://127.0.0.1/cb"]) {
      const { params } = await authorizationParams(native.client_id, { redirect_uri: uri });
      expect((await authorizeGet(params)).status).toBe(200);
    }
    for (const uri of ["http://localhost:9001/cb", "http://127.0.0.1:61234/cb/x", "http://127.0.0.2:80/cb"]) {
      const { params } = await authorizationParams(native.client_id, { redirect_uri: uri });
      expect((await authorizeGet(params)).status).toBe(400);
    }
  });
});

describe("authorization endpoint: errors go back to the app with state and iss", () => {
  const rows: { name: string; over: Record<string, string | undefined>; extra?: string; error: string }[] = [
    {
      name: "missing PKCE",
      over: { code_challenge: undefined, code_challenge_method: undefined },
      error: "invalid_request",
    },
    { name: "plain PKCE method", over: { code_challenge_method: "plain" }, error: "invalid_request" },
    { name: "no method (plain by default)", over: { code_challenge_method: undefined }, error: "invalid_request" },
    { name: "challenge of the wrong shape", over: { code_challenge: "short" }, error: "invalid_request" },
    { name: "implicit grant", over: { response_type: "token" }, error: "unsupported_response_type" },
    { name: "no response_type", over: { response_type: undefined }, error: "invalid_request" },
    { name: "unknown scope", over: { scope: "files:read admin" }, error: "invalid_scope" },
    { name: "no scope", over: { scope: undefined }, error: "invalid_scope" },
    { name: "state twice", over: {}, extra: "&state=again", error: "invalid_request" },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const { params } = await authorizationParams(app.client_id, { state: "s-123", ...row.over });
      const res = await authorizeGet(`${params}${row.extra ?? ""}`);
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get("location") as string);
      expect(location.origin + location.pathname).toBe(REDIRECT);
      expect(location.searchParams.get("error")).toBe(row.error);
      expect(location.searchParams.get("iss")).toBe(ISSUER);
      if (!row.extra) expect(location.searchParams.get("state")).toBe("s-123");
    });
  }

  test("offline_access and an RFC 8707 resource are tolerated, not refused", async () => {
    const { params } = await authorizationParams(app.client_id, {
      scope: "files:read offline_access",
      resource: "https://lightd.example/",
    });
    expect((await authorizeGet(params)).status).toBe(200);
  });
});

describe("consent", () => {
  test("the consent page cannot be framed", async () => {
    const { params } = await authorizationParams(app.client_id);
    const res = await authorizeGet(params);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const csp = res.headers.get("content-security-policy") as string;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' https://app.example");
  });

  /** The cookie POST /auth/session sets for `token`: what the dashboard's "Token or API key" sign-in does. */
  const sessionOpenedWith = async (token: string) => {
    const opened = await t.request("POST", "/auth/session", { token: null, json: { token } });
    expect(opened.status).toBe(200);
    const cookie = (opened.headers.get("set-cookie") as string).split(";")[0] as string;
    return decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
  };
  /** The consent form posted with `Authorization: Bearer`, as anything holding the credential can. */
  const consentAs = (bearer: string, params: URLSearchParams) =>
    t.handle(
      new Request("http://localhost/oauth/authorize", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${bearer}` },
        body: new URLSearchParams({ ...Object.fromEntries(params), decision: "allow" }),
      }),
    );

  test("only the person's own sign-in lets an app in: never an app's token, a key, a token or their sessions", async () => {
    const granted = await codeFor(app, { scope: "files:read" });
    const appToken = (
      await exchange(app, { code: granted.code, redirect_uri: REDIRECT, code_verifier: granted.verifier })
    ).body.access_token as string;
    const key = (await createKey(t, session, { scopes: ["files:read"] })).token;
    const minted = async (remove_on_use: boolean) => {
      const res = await t.request("POST", "/auth/tokens", { json: { ttl: "1h", remove_on_use } });
      return ((await res.json()) as { token: string }).token;
    };
    const refused: { name: string; bearer?: string; cookie?: string }[] = [
      { name: "another app's access token", bearer: appToken },
      { name: "a session opened with an app's access token", cookie: await sessionOpenedWith(appToken) },
      { name: "an API key", bearer: key },
      { name: "a session opened with an API key", cookie: await sessionOpenedWith(key) },
      { name: "a programmatic token", bearer: await minted(false) },
      { name: "a session opened with a single-use token", cookie: await sessionOpenedWith(await minted(true)) },
    ];
    for (const row of refused) {
      const credential = (row.bearer ?? row.cookie) as string;
      const { params } = await authorizationParams(other.client_id, {
        redirect_uri: "https://other.example/cb",
        scope: "files:read",
      });
      const details = await t.request("GET", `/oauth/consent?${params}`, { token: credential });
      const res = row.bearer ? await consentAs(row.bearer, params) : await consent(t, credential, params);
      expect({
        name: row.name,
        page: details.status,
        answer: res.status,
        location: res.headers.get("location"),
      }).toEqual({
        name: row.name,
        page: 403,
        answer: 403,
        location: null,
      });
      expect(((await res.json()) as { message: string }).message).toStartWith(
        "Only you can do this, signed in as yourself",
      );
    }

    const allowed: { name: string; send: (params: URLSearchParams) => Promise<Response> }[] = [
      { name: "the person's session, as a cookie", send: (params) => consent(t, session, params) },
      { name: "the person's session, as a bearer token", send: (params) => consentAs(session, params) },
      {
        name: "the person's session, exchanged for a cookie",
        send: async (params) => consent(t, await sessionOpenedWith(await login(t, bob)), params),
      },
      { name: "the master token", send: (params) => consentAs(t.master, params) },
      {
        name: "a session opened with the master token",
        send: async (params) => consent(t, await sessionOpenedWith(t.master), params),
      },
    ];
    for (const row of allowed) {
      const { params } = await authorizationParams(other.client_id, {
        redirect_uri: "https://other.example/cb",
        scope: "files:read",
      });
      const res = await row.send(params);
      const location = res.headers.get("location");
      const code = location === null ? null : new URL(location).searchParams.get("code");
      expect({ name: row.name, status: res.status, code: code !== null }).toEqual({
        name: row.name,
        status: 303,
        code: true,
      });
    }
  });

  test("nobody signed in: a page, no code", async () => {
    const { params } = await authorizationParams(app.client_id);
    const res = await consent(t, "lightd_ses_AAAAAAAAAAAAAAAA_notasession0000000000000000", params);
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
  });

  test("a cross-site form post with the cookie is refused (CSRF)", async () => {
    const { params } = await authorizationParams(app.client_id);
    const body = new URLSearchParams(params);
    body.set("decision", "allow");
    const res = await t.handle(
      new Request("http://localhost/oauth/authorize", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `lightd_session=${encodeURIComponent(session)}`,
          "sec-fetch-site": "cross-site",
        },
        body,
      }),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get("location")).toBeNull();
  });
});

/** A fresh code for `client`, as the consent form would get it. */
async function codeFor(client: RegisteredClient, over: Record<string, string | undefined> = {}) {
  const { params, verifier } = await authorizationParams(client.client_id, over);
  const res = await consent(t, session, params);
  const location = new URL(res.headers.get("location") as string);
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code: ${location}`);
  return { code, verifier, redirect: params.get("redirect_uri") as string };
}

async function exchange(client: RegisteredClient, form: Record<string, string>, auth = true) {
  const headers = auth && client.client_secret ? basic(client.client_id, client.client_secret) : {};
  const res = await postForm(t, "/oauth/token", { grant_type: "authorization_code", ...form }, headers);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, string> };
}

test("a key an app makes ends with the app's access token", async () => {
  const { code, verifier } = await codeFor(app, { scope: "files:read keys:write" });
  const tokens = (await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: verifier })).body;
  const made = await t.request("POST", "/auth/keys", { token: tokens.access_token, json: { scopes: ["files:read"] } });
  expect(made.status).toBe(201);
  expect(((await made.json()) as { expires_at: number | null }).expires_at).toBe(
    clock + Number(tokens.expires_in) * 1000,
  );
  const lasting = await t.request("POST", "/auth/keys", {
    token: tokens.access_token,
    json: { scopes: ["files:read"], expires_in: 86_400 },
  });
  expect(lasting.status).toBe(403);
});

describe("token endpoint refusals", () => {
  test("wrong verifier: refused, and the code is spent", async () => {
    const { code, verifier } = await codeFor(app);
    const wrong = await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: `${verifier.slice(0, -1)}x` });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");
    expect(wrong.headers.get("cache-control")).toBe("no-store");
    const right = await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: verifier });
    // It issued nothing, so nothing is said to be revoked.
    expect(right.body).toMatchObject({ error: "invalid_grant", error_description: "The code was already used" });
  });

  test("reused code: refused, and the tokens of its first use are revoked", async () => {
    const { code, verifier } = await codeFor(app);
    const first = await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(first.status).toBe(200);
    expect((await t.request("GET", "/files", { token: first.body.access_token })).status).toBe(200);
    const second = await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(second.body).toMatchObject({
      error: "invalid_grant",
      error_description: "The code was already used; the tokens it issued are revoked",
    });
    expect((await t.request("GET", "/files", { token: first.body.access_token })).status).toBe(401);
    const refresh = await postForm(
      t,
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: first.body.refresh_token as string },
      basic(app.client_id, app.client_secret as string),
    );
    expect(refresh.status).toBe(400);
  });

  test("expired code (older than 10 minutes)", async () => {
    const { code, verifier } = await codeFor(app);
    clock += 10 * 60_000 + 1;
    const res = await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(res.body).toMatchObject({ error: "invalid_grant", error_description: "The code has expired" });
  });

  test("code of another client", async () => {
    const { code, verifier } = await codeFor(app);
    const res = await exchange(other, { code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(res.body.error).toBe("invalid_grant");
  });

  test("redirect_uri other than the authorization request's", async () => {
    const { code, verifier } = await codeFor(app);
    const res = await exchange(app, { code, redirect_uri: "https://app.example/other", code_verifier: verifier });
    expect(res.body.error).toBe("invalid_grant");
  });

  test("no code_verifier (downgrade)", async () => {
    const { code } = await codeFor(app);
    const res = await exchange(app, { code, redirect_uri: REDIRECT });
    expect(res.body.error).toBe("invalid_request");
  });

  test("public client presenting a secret; confidential client without one; wrong secret", async () => {
    const { code, verifier } = await codeFor(pub);
    const withSecret = await exchange(pub, {
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: pub.client_id,
      client_secret: "lightd_ocs_AAAAAAAAAAAAAAAA_madeup000000000000000000000",
    });
    expect(withSecret.status).toBe(401);
    expect(withSecret.body.error).toBe("invalid_client");
    expect(withSecret.headers.get("www-authenticate")).toContain("Basic");

    const c = await codeFor(app);
    const noSecret = await exchange(
      app,
      { code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier, client_id: app.client_id },
      false,
    );
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error).toBe("invalid_client");
    const wrong = await postForm(
      t,
      "/oauth/token",
      { grant_type: "authorization_code", code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier },
      basic(app.client_id, other.client_secret as string),
    );
    expect(wrong.status).toBe(401);
  });

  const formRows: { name: string; form: Record<string, string>; type?: string; status: number; error: string }[] = [
    {
      name: "password grant",
      form: { grant_type: "password", username: "bob", password: "x" },
      status: 400,
      error: "unsupported_grant_type",
    },
    {
      name: "implicit-style grant",
      form: { grant_type: "client_credentials" },
      status: 400,
      error: "unsupported_grant_type",
    },
    { name: "no grant_type", form: {}, status: 400, error: "invalid_request" },
    {
      name: "access token as refresh token",
      form: { grant_type: "refresh_token", refresh_token: "ACCESS" },
      status: 400,
      error: "invalid_grant",
    },
    {
      name: "garbage refresh token",
      form: { grant_type: "refresh_token", refresh_token: "lightd_ort_x" },
      status: 400,
      error: "invalid_grant",
    },
    {
      name: "unknown code",
      form: { grant_type: "authorization_code", code: "nope", code_verifier: "a".repeat(43) },
      status: 400,
      error: "invalid_grant",
    },
  ];
  for (const row of formRows) {
    test(row.name, async () => {
      let form = row.form;
      if (form.refresh_token === "ACCESS") {
        const { code, verifier } = await codeFor(app);
        const tokens = await exchange(app, { code, redirect_uri: REDIRECT, code_verifier: verifier });
        form = { ...form, refresh_token: tokens.body.access_token as string };
      }
      const res = await postForm(t, "/oauth/token", form, basic(app.client_id, app.client_secret as string));
      expect(res.status).toBe(row.status);
      expect(((await res.json()) as { error: string }).error).toBe(row.error);
    });
  }

  test("JSON instead of a form, and a parameter given twice", async () => {
    const json = await t.handle(
      new Request("http://localhost/oauth/token", {
        method: "POST",
        headers: { "content-type": "application/json", ...basic(app.client_id, app.client_secret as string) },
        body: JSON.stringify({ grant_type: "authorization_code" }),
      }),
    );
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe("invalid_request");
    const twice = await t.handle(
      new Request("http://localhost/oauth/token", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...basic(app.client_id, app.client_secret as string),
        },
        body: "grant_type=refresh_token&grant_type=authorization_code",
      }),
    );
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: string }).error).toBe("invalid_request");
  });

  test("introspection is for confidential clients only", async () => {
    const res = await postForm(t, "/oauth/introspect", { token: "x", client_id: pub.client_id });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
  });
});

test("without server.public_url: a clear error that names the setting", async () => {
  const bare = makeTestApp();
  try {
    const meta = await bare.request("GET", "/.well-known/oauth-authorization-server", { token: null });
    expect(meta.status).toBe(503);
    expect(((await meta.json()) as { error_description: string }).error_description).toContain("server.public_url");
    const page = await bare.handle(
      new Request("http://localhost/oauth/authorize?client_id=x", { headers: { accept: "text/html" } }),
    );
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("server.public_url");
    const token = await postForm(bare, "/oauth/token", { grant_type: "authorization_code" });
    expect(token.status).toBe(503);
    expect(((await token.json()) as { error: string }).error).toBe("temporarily_unavailable");
  } finally {
    await bare.close();
  }
});

test("failed client authentications are rate limited per address, answered in RFC 6749 form (429)", async () => {
  const limited = makeTestApp({
    config: {
      server: { public_url: ISSUER, trust_proxy: true },
      rate_limits: { auth_failures: { burst: 2, per_minute: 1 } },
    },
  });
  try {
    const token = await registerAndLogin(limited, naclSigner("carol"));
    const client = await registerClient(limited, token);
    const attempt = () =>
      postForm(
        limited,
        "/oauth/token",
        { grant_type: "refresh_token", refresh_token: "x" },
        {
          ...basic(client.client_id, "lightd_ocs_wrong"),
          "x-forwarded-for": "203.0.113.9",
        },
      );
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(((await refused.json()) as { error: string }).error).toBe("rate_limited");
  } finally {
    await limited.close();
  }
});
