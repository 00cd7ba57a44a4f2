import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { parseIssuedToken } from "../../src/lib/token-format";
import { OAuthTokenService } from "../../src/modules/oauth/tokens";
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
 * What an app's credentials live through, on the server's clock: registration (RFC 7591 fields,
 * a secret shown once and kept as argon2id), secret rotation, the lifetimes (code 10 minutes,
 * access token 1 hour, refresh token 30 days unused), the refresh grace window, the person's
 * list of authorized apps with revocation, an app's deletion, and the power of an access token
 * (the person's ∩ the granted scopes) on routes other than /files.
 */
// Each exchange and refresh runs argon2 several times (secrets at rest); a busy machine needs time.
setDefaultTimeout(120_000);
let clock = Date.now();
const t = makeTestApp({ config: { server: { public_url: ISSUER } }, now: () => clock });
afterAll(() => t.close());
let session = "";
let app: RegisteredClient;

const hana = naclSigner("hana");
beforeAll(async () => {
  session = await registerAndLogin(t, hana);
  app = await registerClient(t, session);
});
// The lifetimes tests move the clock by days, and sessions expire: every test signs in anew.
beforeEach(async () => {
  session = await login(t, hana);
});

interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
}

async function codeFor(client: RegisteredClient, scope: string) {
  const { params, verifier } = await authorizationParams(client.client_id, { scope });
  const res = await consent(t, session, params);
  const code = new URL(res.headers.get("location") as string).searchParams.get("code") as string;
  return { code, verifier };
}

const exchange = (client: RegisteredClient, code: string, verifier: string) =>
  postForm(
    t,
    "/oauth/token",
    { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier },
    basic(client.client_id, client.client_secret as string),
  );

async function tokensFor(client: RegisteredClient, scope = "files:read files:write"): Promise<Tokens> {
  const { code, verifier } = await codeFor(client, scope);
  const res = await exchange(client, code, verifier);
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

const refresh = (client: RegisteredClient, token: string, secret = client.client_secret as string) =>
  postForm(t, "/oauth/token", { grant_type: "refresh_token", refresh_token: token }, basic(client.client_id, secret));
const files = (token: string) => t.request("GET", "/files", { token });

describe("registration (RFC 7591)", () => {
  test("client information answered; the secret shown once and kept only as an argon2id hash", async () => {
    const res = await t.request("POST", "/oauth/clients", {
      token: session,
      json: { client_name: "Notes", redirect_uris: [REDIRECT], token_endpoint_auth_method: "client_secret_post" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const info = (await res.json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      client_name: "Notes",
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "client_secret_post",
      client_secret_expires_at: 0,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });
    expect(info.client_id_issued_at).toBe(Math.floor(clock / 1000));
    const secret = info.client_secret as string;
    expect(secret).toStartWith("lightd_ocs_");
    const row = await t.ctx.metadata.read.oauthClients.findById(info.client_id as string);
    expect(row?.secret_hash).toStartWith("$argon2id$");
    expect(row?.secret_hash).not.toContain(secret.slice(-20));
    const listed = (await (await t.request("GET", "/oauth/clients", { token: session })).json()) as {
      clients: Record<string, unknown>[];
    };
    const mine = listed.clients.find((c) => c.client_id === info.client_id);
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty("client_secret");

    const pub = await registerClient(t, session, { client_name: "CLI", token_endpoint_auth_method: "none" });
    expect(pub.client_secret).toBeUndefined();
    expect((await t.ctx.metadata.read.oauthClients.findById(pub.client_id))?.secret_hash).toBeNull();
  });

  test("rotating the secret: the old one is refused at once, the new one works", async () => {
    const own = await registerClient(t, session, { client_name: "Rotating" });
    const tokens = await tokensFor(own);
    const rotated = await t.request("POST", `/oauth/clients/${own.client_id}/secret`, { token: session });
    expect(rotated.status).toBe(200);
    const { client_secret } = (await rotated.json()) as { client_secret: string };
    expect(client_secret).not.toBe(own.client_secret);
    const old = await refresh(own, tokens.refresh_token);
    expect(old.status).toBe(401);
    expect(((await old.json()) as { error: string }).error).toBe("invalid_client");
    expect((await refresh(own, tokens.refresh_token, client_secret)).status).toBe(200);
  });
});

describe("the person's side", () => {
  test("authorized apps list scopes and last use; revoking one ends its tokens at the next request", async () => {
    const own = await registerClient(t, session, { client_name: "Listed" });
    const tokens = await tokensFor(own, "files:read");
    clock += 5_000;
    expect((await files(tokens.access_token)).status).toBe(200);
    const list = async () =>
      (
        (await (await t.request("GET", "/oauth/authorizations", { token: session })).json()) as {
          authorizations: {
            id: string;
            client_id: string;
            client_name: string;
            scopes: string[];
            last_used_at: number;
          }[];
        }
      ).authorizations.filter((a) => a.client_id === own.client_id);
    const [entry] = await list();
    expect(entry).toMatchObject({ client_name: "Listed", scopes: ["files:read"], last_used_at: clock });
    const revoked = await t.request("DELETE", `/oauth/authorizations/${entry?.id}`, { token: session });
    expect(revoked.status).toBe(200);
    expect((await files(tokens.access_token)).status).toBe(401);
    expect((await refresh(own, tokens.refresh_token)).status).toBe(400);
    expect(await list()).toEqual([]);
  });

  test("deleting an app ends every token it holds", async () => {
    const own = await registerClient(t, session, { client_name: "Deleted" });
    const tokens = await tokensFor(own);
    expect((await t.request("DELETE", `/oauth/clients/${own.client_id}`, { token: session })).status).toBe(200);
    expect((await files(tokens.access_token)).status).toBe(401);
  });

  test("another account can neither list, revoke nor rotate what is not theirs", async () => {
    const tokens = await tokensFor(app, "files:read");
    const other = await registerAndLogin(t, naclSigner("ivo"));
    const theirs = (await (await t.request("GET", "/oauth/authorizations", { token: other })).json()) as {
      authorizations: unknown[];
    };
    expect(theirs.authorizations).toEqual([]);
    const mine = (await (await t.request("GET", "/oauth/authorizations", { token: session })).json()) as {
      authorizations: { id: string }[];
    };
    for (const { id } of mine.authorizations) {
      expect((await t.request("DELETE", `/oauth/authorizations/${id}`, { token: other })).status).toBe(404);
    }
    expect((await t.request("DELETE", `/oauth/clients/${app.client_id}`, { token: other })).status).toBe(404);
    expect((await files(tokens.access_token)).status).toBe(200);
  });

  test("a key sees and revokes only the authorizations within its own power, as with keys", async () => {
    const own = await registerClient(t, session, { client_name: "Wide app" });
    const tokens = await tokensFor(own, "files:read files:write");
    const narrow = (await createKey(t, session, { prefix: "docs/", scopes: ["files:read", "keys:read", "keys:write"] }))
      .token;
    const listed = (await (await t.request("GET", "/oauth/authorizations", { token: narrow })).json()) as {
      authorizations: { client_id: string }[];
    };
    expect(listed.authorizations.map((a) => a.client_id)).not.toContain(own.client_id);
    const mine = (await (await t.request("GET", "/oauth/authorizations", { token: session })).json()) as {
      authorizations: { id: string; client_id: string }[];
    };
    const grant = mine.authorizations.find((a) => a.client_id === own.client_id);
    expect((await t.request("DELETE", `/oauth/authorizations/${grant?.id}`, { token: narrow })).status).toBe(404);
    expect((await files(tokens.access_token)).status).toBe(200);
    expect((await t.request("DELETE", `/oauth/authorizations/${grant?.id}`, { token: session })).status).toBe(200);
    expect((await files(tokens.access_token)).status).toBe(401);
  });

  test("a key can neither delete nor re-key an app whose access lies beyond its own power", async () => {
    const own = await registerClient(t, session, { client_name: "Everything app" });
    const tokens = await tokensFor(own, "files:read files:write");
    const narrow = (await createKey(t, session, { prefix: "docs/", scopes: ["files:read", "keys:read", "keys:write"] }))
      .token;
    const apps = (await (await t.request("GET", "/oauth/clients", { token: narrow })).json()) as {
      clients: { client_id: string }[];
    };
    expect(apps.clients.map((c) => c.client_id)).not.toContain(own.client_id);
    expect((await t.request("POST", `/oauth/clients/${own.client_id}/secret`, { token: narrow })).status).toBe(404);
    expect((await t.request("DELETE", `/oauth/clients/${own.client_id}`, { token: narrow })).status).toBe(404);
    expect((await refresh(own, tokens.refresh_token)).status).toBe(200);
    // An app nobody has let in yet holds nothing: the narrow key manages the one it registered.
    const its = await t.request("POST", "/oauth/clients", {
      token: narrow,
      json: { client_name: "Narrow app", redirect_uris: [REDIRECT] },
    });
    const { client_id } = (await its.json()) as { client_id: string };
    expect((await t.request("DELETE", `/oauth/clients/${client_id}`, { token: narrow })).status).toBe(200);
  });

  test("a test key never sees nor touches the apps that act on live data", async () => {
    const own = await registerClient(t, session, { client_name: "Live app" });
    const tokens = await tokensFor(own, "files:read");
    const testKey = (await createKey(t, session, { environment: "test" })).token;
    const as = (method: string, path: string) => t.request(method, path, { token: testKey });
    expect(await (await as("GET", "/oauth/clients")).json()).toEqual({ clients: [] });
    expect(await (await as("GET", "/oauth/authorizations")).json()).toEqual({ authorizations: [] });
    const mine = (await (await t.request("GET", "/oauth/authorizations", { token: session })).json()) as {
      authorizations: { id: string; client_id: string }[];
    };
    const grant = mine.authorizations.find((a) => a.client_id === own.client_id);
    expect((await as("DELETE", `/oauth/authorizations/${grant?.id}`)).status).toBe(404);
    expect((await as("POST", `/oauth/clients/${own.client_id}/secret`)).status).toBe(404);
    expect((await as("DELETE", `/oauth/clients/${own.client_id}`)).status).toBe(404);
    const registered = await t.request("POST", "/oauth/clients", {
      token: testKey,
      json: { client_name: "From a test key", redirect_uris: [REDIRECT] },
    });
    expect(registered.status).toBe(403);
    expect(((await registered.json()) as { error_description: string }).error_description).toContain("test");
    // The app, its secret and its grant are untouched.
    expect((await files(tokens.access_token)).status).toBe(200);
    expect((await refresh(own, tokens.refresh_token)).status).toBe(200);
  });
});

describe("an access token's power is the person's ∩ the granted scopes, on every route", () => {
  test("both tokens are lightd credentials: lightd_ prefix, a public id, an argon2id hash at rest", async () => {
    const tokens = await tokensFor(app, "files:read");
    for (const [text, kind] of [
      [tokens.access_token, "oat"],
      [tokens.refresh_token, "ort"],
    ] as const) {
      const parsed = parseIssuedToken(text);
      expect(parsed?.kind).toBe(kind);
      const row = await t.ctx.metadata.read.credentials.findById(parsed?.id as string);
      expect(row?.secret_hash).toStartWith("$argon2id$");
      expect(row?.scopes).toBe("files:read");
    }
  });

  test("files:read only", async () => {
    const { access_token } = await tokensFor(app, "files:read");
    const as = (method: string, path: string, json?: unknown) => t.request(method, path, { token: access_token, json });
    expect((await as("GET", "/files")).status).toBe(200);
    expect((await as("GET", "/files/stats")).status).toBe(200);
    expect((await as("PUT", "/files/x.txt")).status).toBe(403);
    expect((await as("POST", "/files/mkdir", { path: "d/" })).status).toBe(403);
    expect((await as("POST", "/files/share", { path: "x.txt" })).status).toBe(403);
    expect((await as("GET", "/auth/keys")).status).toBe(403);
    expect((await as("POST", "/auth/keys", { name: "escalate" })).status).toBe(403);
    expect((await as("GET", "/oauth/clients")).status).toBe(403);
    expect((await as("GET", "/admin/accounts")).status).toBe(403);
    const dav = await t.handle(
      new Request("http://localhost/dav/", {
        method: "PROPFIND",
        headers: { authorization: `Bearer ${access_token}`, depth: "1" },
      }),
    );
    expect(dav.status).toBe(207);
    const davPut = await t.handle(
      new Request("http://localhost/dav/y.txt", {
        method: "PUT",
        headers: { authorization: `Bearer ${access_token}` },
        body: "x",
      }),
    );
    expect(davPut.status).toBe(403);
  });

  test("keys:read lets an app list keys, never create one", async () => {
    const { access_token } = await tokensFor(app, "keys:read");
    expect((await t.request("GET", "/auth/keys", { token: access_token })).status).toBe(200);
    expect((await t.request("GET", "/files", { token: access_token })).status).toBe(403);
    expect((await t.request("POST", "/auth/keys", { token: access_token, json: { name: "k" } })).status).toBe(403);
  });
});

test("the RFC 8414 metadata names every endpoint and capability", async () => {
  const res = await t.request("GET", "/.well-known/oauth-authorization-server", { token: null });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/oauth/authorize`,
    token_endpoint: `${ISSUER}/oauth/token`,
    revocation_endpoint: `${ISSUER}/oauth/revoke`,
    introspection_endpoint: `${ISSUER}/oauth/introspect`,
    registration_endpoint: `${ISSUER}/oauth/clients`,
    scopes_supported: ["files:read", "files:write", "files:delete", "share", "keys:read", "keys:write"],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    code_challenge_methods_supported: ["S256"],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${ISSUER}/swagger`,
  });
  // The issuer is the configured one, whatever Host the request names.
  const spoofed = await t.handle(
    new Request("http://evil.example/.well-known/oauth-authorization-server", { headers: { host: "evil.example" } }),
  );
  expect(((await spoofed.json()) as { issuer: string }).issuer).toBe(ISSUER);
});

// These move the clock by days (sessions, too, expire: the beforeEach above signs in again).
describe("lifetimes", () => {
  test("a code still works just before its 10 minutes are up", async () => {
    const { code, verifier } = await codeFor(app, "files:read");
    clock += 10 * 60_000 - 1_000;
    expect((await exchange(app, code, verifier)).status).toBe(200);
  });

  test("an access token works for 1 hour and not after", async () => {
    const tokens = await tokensFor(app);
    clock += 60 * 60_000 - 1_000;
    expect((await files(tokens.access_token)).status).toBe(200);
    clock += 2_000;
    expect((await files(tokens.access_token)).status).toBe(401);
  });

  test("within 2 seconds a repeated refresh gets the same answer; after them it revokes everything", async () => {
    const tokens = await tokensFor(app);
    const first = (await (await refresh(app, tokens.refresh_token)).json()) as Tokens;
    clock += 1_900;
    const repeat = await refresh(app, tokens.refresh_token);
    expect(repeat.status).toBe(200);
    expect(((await repeat.json()) as Tokens).refresh_token).toBe(first.refresh_token);
    clock += 200;
    expect((await refresh(app, tokens.refresh_token)).status).toBe(400);
    expect((await files(first.access_token)).status).toBe(401);
    expect((await refresh(app, first.refresh_token)).status).toBe(400);
  });
  test("another instance on the same metadata gives a duplicate refresh the same answer, kept sealed", async () => {
    // A second instance: the same metadata, none of the first instance's memory.
    const other = new OAuthTokenService({ metadata: t.ctx.metadata, verifier: t.ctx.verifier, now: () => clock });
    const client = await t.ctx.oauth.clients.find(app.client_id);
    if (!client) throw new Error("the app is registered");
    const viaOther = (token: string) =>
      other.refresh(
        client,
        new Map([
          ["grant_type", "refresh_token"],
          ["refresh_token", token],
        ]),
      );

    // Concurrent: whichever instance rotates, the other waits for its answer.
    const tokens = await tokensFor(app);
    const [here, there] = await Promise.all([refresh(app, tokens.refresh_token), viaOther(tokens.refresh_token)]);
    expect(here.status).toBe(200);
    expect(await here.json()).toEqual({ ...there });

    // After the rotation, within the window: the answer comes from the metadata.
    const next = (await (await refresh(app, there.refresh_token)).json()) as Tokens;
    clock += 1_500;
    expect({ ...(await viaOther(there.refresh_token)) }).toEqual(next as typeof there);
    // What the metadata holds is sealed under the rotated token: no usable token in it.
    const stored = JSON.stringify(
      t.db.query("SELECT rotation_answer FROM credentials WHERE rotation_answer IS NOT NULL").all(),
    );
    expect(stored).not.toContain(next.refresh_token);
    expect(stored).not.toContain(next.access_token);

    // Past the window, the duplicate revokes the whole authorization, and the sweep forgets the answers.
    clock += 600;
    await expect(viaOther(there.refresh_token)).rejects.toMatchObject({ code: "invalid_grant" });
    expect((await files(next.access_token)).status).toBe(401);
    await t.ctx.oauth.sweepExpired();
    expect(t.db.query("SELECT id FROM credentials WHERE rotation_answer IS NOT NULL").all()).toEqual([]);
  });
  test("a refresh token expires after 30 days unused; every rotation starts 30 new days", async () => {
    let tokens = await tokensFor(app);
    for (let round = 0; round < 2; round++) {
      clock += 29 * 86_400_000;
      const res = await refresh(app, tokens.refresh_token);
      expect(res.status).toBe(200);
      tokens = (await res.json()) as Tokens;
    }
    clock += 30 * 86_400_000 + 1_000;
    const late = await refresh(app, tokens.refresh_token);
    expect(late.status).toBe(400);
    expect(((await late.json()) as { error: string }).error).toBe("invalid_grant");
  });
});
