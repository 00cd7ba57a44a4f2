import type { OpenApiDocument } from "../fixtures/openapi";
import { oauthForms } from "./oauth";
import type { CallOptions, ContractRun } from "./run";
import { boundType, json, type Samples } from "./steps";

/** One valid request per operation: the generic error sweeps (401, 403, 406, 413, 429) vary it. */
export function sampleRequests(s: Samples): Record<string, { path: string } & CallOptions> {
  const body = (json: unknown) => ({ json });
  return {
    "GET /api/v1/public/ping": { path: "/api/v1/public/ping" },
    "GET /blobs/{key}": { path: s.blob, token: null },
    "HEAD /blobs/{key}": { path: s.blob, token: null },
    "PUT /blobs/{key}": {
      path: s.uploadUrl,
      token: null,
      body: "bytes",
      headers: { "content-type": boundType(s.uploadUrl) },
    },
    "POST /files/uploads": { path: "/files/uploads", ...body({ path: "keyonly/u.txt" }) },
    "POST /files/uploads/complete": { path: "/files/uploads/complete", ...body({ path: "keyonly/u.txt" }) },
    "POST /files/uploads/multipart": { path: "/files/uploads/multipart", ...body({ path: "keyonly/m.bin" }) },
    "POST /files/uploads/multipart/complete": {
      path: "/files/uploads/multipart/complete",
      ...body({ path: "keyonly/m.bin", upload_id: "nope", parts: [{ part_number: 1, etag: "x" }] }),
    },
    "POST /files/uploads/multipart/abort": {
      path: "/files/uploads/multipart/abort",
      ...body({ path: "keyonly/m.bin", upload_id: "nope" }),
    },
    "POST /files/share": { path: "/files/share", ...body({ path: s.filePath }) },
    "GET /s/{token}": { path: `/s/${s.shareToken}`, token: null },
    "GET /files": { path: "/files" },
    "GET /files/search": { path: "/files/search?q=copy" },
    "GET /files/stats": { path: "/files/stats" },
    "GET /files/log": { path: "/files/log" },
    "POST /files/mkdir": { path: "/files/mkdir", ...body({ path: "keyonly/dir/" }) },
    "POST /files/move": { path: "/files/move", ...body({ from: "keyonly/a.txt", to: "keyonly/b.txt" }) },
    "POST /files/copy": { path: "/files/copy", ...body({ from: "keyonly/a.txt", to: "keyonly/c.txt" }) },
    "GET /files/versions": { path: "/files/versions?path=docs%2Fcopy.txt" },
    "GET /files/trash": { path: "/files/trash" },
    "POST /files/restore": { path: "/files/restore", ...body({ path: "keyonly/a.txt", tx: 1 }) },
    "POST /auth/tokens": { path: "/auth/tokens", ...body({ ttl: "1h" }) },
    "GET /auth/me": { path: "/auth/me" },
    "POST /auth/register": { path: "/auth/register", token: null, ...body({ actor: "zed", public_key: s.publicKey }) },
    "POST /auth/challenge": { path: "/auth/challenge", token: null, ...body({ actor: s.account }) },
    "POST /auth/verify": {
      path: "/auth/verify",
      token: null,
      ...body({ challenge_id: "nope", actor: s.account, signature: "AAAA" }),
    },
    "POST /auth/logout": { path: "/auth/logout" },
    "POST /auth/session": { path: "/auth/session", token: null, ...body({ token: s.master }) },
    "POST /auth/magic-link": { path: "/auth/magic-link", token: null, ...body({ email: "eve@example.com" }) },
    "GET /auth/magic-link/verify": { path: "/auth/magic-link/verify?token=lightd_mlk_x", token: null },
    "POST /auth/magic-link/verify": {
      path: "/auth/magic-link/verify",
      token: null,
      ...body({ token: "lightd_mlk_x" }),
    },
    "GET /auth/keys": { path: "/auth/keys" },
    "POST /auth/keys": { path: "/auth/keys", ...body({ name: "k" }) },
    "DELETE /auth/keys/{id}": { path: "/auth/keys/nope" },
    "POST /auth/keys/{id}/rotate": { path: "/auth/keys/nope/rotate", ...body({ expires_in: 60 }) },
    "GET /admin/accounts": { path: "/admin/accounts" },
    "PUT /admin/accounts/{name}/quota": { path: "/admin/accounts/alice/quota", ...body({ bytes: null, files: null }) },
    "GET /admin/invites": { path: "/admin/invites" },
    "POST /admin/invites": { path: "/admin/invites", ...body({ note: "sweep" }) },
    "DELETE /admin/invites/{id}": { path: "/admin/invites/nope" },
    "POST /admin/accounts": { path: "/admin/accounts", ...body({ actor: "dave" }) },
    "DELETE /admin/accounts/{name}": { path: "/admin/accounts/nobody" },
    "GET /admin/backups": { path: "/admin/backups" },
    "POST /admin/backups": { path: "/admin/backups" },
    "GET /files/shares": { path: "/files/shares" },
    "DELETE /files/shares/{id}": { path: "/files/shares/nope" },
    "HEAD /s/{token}": { path: `/s/${s.shareToken}`, token: null },
    "GET /s/{token}/{path}": { path: `/s/${s.folderShareToken}/a.txt`, token: null },
    "HEAD /s/{token}/{path}": { path: `/s/${s.folderShareToken}/a.txt`, token: null },
    "GET /hooks": { path: "/hooks" },
    "POST /hooks": { path: "/hooks", json: { url: "http://127.0.0.1:9/hook" } },
    "DELETE /hooks/{id}": { path: "/hooks/nope" },
    "GET /hooks/{id}/deliveries": { path: "/hooks/nope/deliveries" },
    "GET /ws/events": { path: "/ws/events" },
    "GET /ws/{space}": { path: "/ws/live" },
    "GET /events": { path: "/events" },
    "GET /files/{path}": { path: "/files/docs%2Fcopy.txt", headers: json },
    "HEAD /files/{path}": { path: "/files/docs%2Fcopy.txt" },
    "PUT /files/{path}": { path: "/files/keyonly%2Fp.txt", body: "x", headers: { "content-type": "text/plain" } },
    "DELETE /files/{path}": { path: "/files/keyonly%2Fnothing.txt" },
    "GET /.well-known/oauth-authorization-server": { path: "/.well-known/oauth-authorization-server", token: null },
    "GET /oauth/authorize": { path: `/oauth/authorize?${new URLSearchParams(oauthForms.authorize)}`, token: null },
    "POST /oauth/authorize": {
      path: "/oauth/authorize",
      body: new URLSearchParams(oauthForms.consent).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    },
    "GET /oauth/consent": { path: "/oauth/consent?response_type=code&client_id=nope" },
    "POST /oauth/token": { path: "/oauth/token", ...oauthForm(oauthForms.token) },
    "POST /oauth/revoke": { path: "/oauth/revoke", ...oauthForm(oauthForms.revoke) },
    "POST /oauth/introspect": { path: "/oauth/introspect", ...oauthForm(oauthForms.revoke) },
    "POST /oauth/clients": {
      path: "/oauth/clients",
      ...body({ client_name: "Sweep", redirect_uris: ["https://a.example/cb"] }),
    },
    "GET /oauth/clients": { path: "/oauth/clients" },
    "DELETE /oauth/clients/{id}": { path: "/oauth/clients/nope" },
    "POST /oauth/clients/{id}/secret": { path: "/oauth/clients/nope/secret" },
    "GET /oauth/authorizations": { path: "/oauth/authorizations" },
    "DELETE /oauth/authorizations/{id}": { path: "/oauth/authorizations/nope" },
  };
}

/** A form body of OAuth's token-style endpoints, sent without a lightd credential (the app authenticates itself). */
const oauthForm = (fields: Record<string, string>) => ({
  token: null,
  body: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});

/** The documented statuses of an operation. */
function statuses(doc: OpenApiDocument, op: string): string[] {
  const [method, path] = op.split(" ") as [string, string];
  return Object.keys(doc.paths[path]?.[method.toLowerCase()]?.responses ?? {});
}

const isForm = (headers: Record<string, string> | undefined) =>
  headers?.["content-type"] === "application/x-www-form-urlencoded";

/** A HEAD error has no body for Prism to check; everything else goes through the proxy. */
const via = (run: ContractRun, op: string, status: number) =>
  op.startsWith("HEAD ") && (status >= 400 || op.includes("/s/")) ? run.direct.bind(run) : run.call.bind(run);

/**
 * The errors every operation of a kind can answer, from one sample request each: another
 * version of the vendor media type (406), a token lightd never issued (401), a key without the
 * scope (403), and a JSON or form body over `server.max_body_bytes` (413).
 */
export async function sweepSteps(run: ContractRun, doc: OpenApiDocument, s: Samples): Promise<void> {
  const requests = sampleRequests(s);
  for (const [op, { path, ...options }] of Object.entries(requests)) {
    const documented = statuses(doc, op);
    if (documented.length === 0) run.problems.push(`${op}: no sample answers it (not in the document)`);
    if (documented.includes("406")) {
      const headers = { ...options.headers, accept: "application/vnd.pkglatv2+json" };
      await via(run, op, 406)(op, path, 406, { ...options, headers });
    }
    if (documented.includes("401") && options.token !== null) {
      await via(run, op, 401)(op, path, 401, {
        ...options,
        token: "lightd_tok_AAAAAAAAAAAAAAAA_notissued000000000000",
      });
    }
    if (documented.includes("403") && options.token !== null) {
      // The share routes need `share`, which the share-only key has; every other route needs another scope.
      const key = /share/.test(op) ? s.readOnlyKey : s.shareOnlyKey;
      await via(run, op, 403)(op, path, 403, { ...options, token: key });
    }
    if (documented.includes("413") && options.json !== undefined) {
      await run.call(op, path, 413, { ...options, json: { ...(options.json as object), padding: "x".repeat(2048) } });
    }
    if (documented.includes("413") && typeof options.body === "string" && isForm(options.headers)) {
      await run.call(op, path, 413, { ...options, body: `${options.body}&padding=${"x".repeat(2048)}` });
    }
  }
  const missing = documentedOps(doc).filter((op) => !(op in requests));
  for (const op of missing) run.problems.push(`${op}: add a sample request in tests/contract/steps.ts`);
}

const documentedOps = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));

/** 429, on a server whose every budget holds one request and never refills. */
export async function rateLimitSteps(run: ContractRun, doc: OpenApiDocument, s: Samples): Promise<void> {
  const requests = sampleRequests(s);
  // The first request spends the master token's budget; a bad token spends the address's
  // failure budget, after which logout (which checks it first) is refused too.
  await run.call("GET /auth/me", "/auth/me", 200);
  await run.call("GET /auth/me", "/auth/me", 401, { token: "lightd_tok_AAAAAAAAAAAAAAAA_notissued000000000000" });
  for (const [op, { path, ...options }] of Object.entries(requests)) {
    if (!statuses(doc, op).includes("429")) continue;
    if (options.token === null) {
      // Limited per client address: the first request may pass (or fail on its own); the second is refused.
      await fetch(`${run.serverUrl}${path}`, {
        method: op.split(" ")[0],
        headers: { "content-type": "application/json", ...options.headers },
        body: options.json === undefined ? options.body : JSON.stringify(options.json),
      });
    }
    await via(run, op, 429)(op, path, 429, options);
  }
}
