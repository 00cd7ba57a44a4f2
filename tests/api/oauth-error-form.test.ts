import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey, naclSigner, registerAndLogin } from "../fixtures/auth-helpers";
import { makeTestApp } from "../fixtures/harness";
import { ISSUER, postForm, registerClient } from "../fixtures/oauth";

/**
 * One error body per route: OAuth's protocol endpoints (registration, token, revocation,
 * introspection, metadata) answer every refusal as `{error, error_description}` — the guard's,
 * the Accept rule's, the body cap's, validation's and the router's too — so an RFC 7591 or
 * RFC 6749 client library reads each of them; lightd's own routes under /oauth (consent details,
 * authorized apps) answer `{error, message}` like the rest of lightd.
 */
const t = makeTestApp({ config: { server: { public_url: ISSUER, max_body_bytes: 2048 } } });
afterAll(() => t.close());
let session = "";
let readOnly = "";
let clientId = "";

beforeAll(async () => {
  session = await registerAndLogin(t, naclSigner("fern"));
  readOnly = (await createKey(t, session, { scopes: ["files:read"] })).token;
  clientId = (await registerClient(t, session)).client_id;
});

const BAD_TOKEN = "lightd_tok_AAAAAAAAAAAAAAAA_notissued000000000000";
const metadata = { client_name: "Form", redirect_uris: ["https://form.example/cb"] };

async function rfcBody(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe("string");
}

async function lightdBody(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(["error", "message"]);
  expect(body.error).toBe(error);
}

describe("the registration endpoint (RFC 7591): one body for every refusal", () => {
  const rows: { name: string; send: () => Promise<Response>; status: number; error: string }[] = [
    {
      name: "no credential",
      send: () => t.request("GET", "/oauth/clients", { token: null }),
      status: 401,
      error: "unauthorized",
    },
    {
      name: "a token never issued",
      send: () => t.request("POST", "/oauth/clients", { token: BAD_TOKEN, json: metadata }),
      status: 401,
      error: "unauthorized",
    },
    {
      name: "a key without keys:write",
      send: () => t.request("POST", "/oauth/clients", { token: readOnly, json: metadata }),
      status: 403,
      error: "forbidden",
    },
    {
      name: "no client_name (schema validation)",
      send: () =>
        t.request("POST", "/oauth/clients", { token: session, json: { redirect_uris: ["https://a.example/cb"] } }),
      status: 400,
      error: "invalid_client_metadata",
    },
    {
      name: "redirect_uris of the wrong type",
      send: () =>
        t.request("POST", "/oauth/clients", {
          token: session,
          json: { client_name: "x", redirect_uris: "https://a.example" },
        }),
      status: 400,
      error: "invalid_client_metadata",
    },
    {
      name: "an unknown auth method",
      send: () =>
        t.request("POST", "/oauth/clients", {
          token: session,
          json: { ...metadata, token_endpoint_auth_method: "private_key_jwt" },
        }),
      status: 400,
      error: "invalid_client_metadata",
    },
    {
      name: "a javascript: redirect URI",
      send: () =>
        t.request("POST", "/oauth/clients", {
          token: session,
          json: { client_name: "x", redirect_uris: ["javascript:alert(1)"] },
        }),
      status: 400,
      error: "invalid_redirect_uri",
    },
    {
      name: "malformed JSON",
      send: () =>
        t.request("POST", "/oauth/clients", {
          token: session,
          body: '{"client_name": ',
          headers: { "content-type": "application/json" },
        }),
      status: 400,
      error: "bad_request",
    },
    {
      name: "a body over server.max_body_bytes",
      send: () =>
        t.request("POST", "/oauth/clients", { token: session, json: { ...metadata, padding: "x".repeat(4096) } }),
      status: 413,
      error: "payload_too_large",
    },
    {
      name: "another version of the vendor media type",
      send: () =>
        t.request("GET", "/oauth/clients", { token: session, headers: { accept: "application/vnd.pkglatv2+json" } }),
      status: 406,
      error: "not_acceptable",
    },
    {
      name: "an unknown app",
      send: () => t.request("DELETE", "/oauth/clients/nosuchapp", { token: session }),
      status: 404,
      error: "not_found",
    },
    {
      name: "an id over 64 characters",
      send: () => t.request("POST", `/oauth/clients/${"x".repeat(65)}/secret`, { token: session }),
      status: 400,
      error: "bad_request",
    },
    {
      name: "another account's app",
      send: async () => {
        const other = await registerAndLogin(t, naclSigner("gus"));
        return t.request("POST", `/oauth/clients/${clientId}/secret`, { token: other });
      },
      status: 404,
      error: "not_found",
    },
  ];
  for (const row of rows) {
    test(row.name, async () => rfcBody(await row.send(), row.status, row.error));
  }
});

describe("the token-style endpoints: refusals before the handler are RFC bodies too", () => {
  test("Accept of another vendor version (406) and a body over the cap (413)", async () => {
    await rfcBody(
      await postForm(t, "/oauth/token", { grant_type: "refresh_token" }, { accept: "application/vnd.pkglatv2+json" }),
      406,
      "not_acceptable",
    );
    const big = await t.request("POST", "/oauth/revoke", {
      token: null,
      body: new URLSearchParams({ token: "x".repeat(4096) }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await rfcBody(big, 413, "payload_too_large");
    await rfcBody(
      await t.request("GET", "/.well-known/oauth-authorization-server", {
        token: null,
        headers: { accept: "application/vnd.pkglatv2+json" },
      }),
      406,
      "not_acceptable",
    );
  });
});

describe("lightd's own routes under /oauth keep lightd's body", () => {
  test("authorized apps and consent details", async () => {
    await lightdBody(await t.request("GET", "/oauth/authorizations", { token: null }), 401, "unauthorized");
    await lightdBody(await t.request("DELETE", "/oauth/authorizations/nope", { token: session }), 404, "not_found");
    await lightdBody(await t.request("GET", "/oauth/consent?client_id=nope", { token: session }), 400, "bad_request");
  });

  test("without server.public_url the consent details name the setting in lightd's body", async () => {
    const bare = makeTestApp();
    try {
      const res = await bare.request("GET", "/oauth/consent?client_id=x");
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe("service_unavailable");
      expect(body.message).toContain("server.public_url");
    } finally {
      await bare.close();
    }
  });
});
