import { UrlSigner } from "../../src/lib/url-signer";
import type { ContractRun } from "./run";
import { b64, boundType, json, local, type Samples } from "./steps";

/** The contract stacks' `signing_secret` (prism.test.ts writes it into each config). */
export const CONTRACT_SIGNING_SECRET = "contract-signing-secret-0123456789abcdef";

/**
 * Each remaining documented error, provoked the way a client would meet it. Requests the
 * document forbids never reach lightd through Prism (it answers 422 itself), so the 400s here
 * are inputs that are well-formed but refused by lightd's own rules (paths, TTLs, keys).
 */
export async function errorSteps(run: ContractRun, s: Samples): Promise<void> {
  const bad = "a%2F..%2Fb";
  const text = { "content-type": "text/plain" };
  const missing = "/files/docs%2Fnothing-here.txt";
  const put = "PUT /files/{path}";

  // /files/{path}: bad path, missing, folder in the way, preconditions, size.
  await run.call("GET /files/{path}", `/files/${bad}`, 400, { headers: json });
  await run.call("GET /files/{path}", missing, 404, { headers: json });
  await run.direct("HEAD /files/{path}", `/files/${bad}`, 400);
  await run.direct("HEAD /files/{path}", missing, 404);
  await run.call("PUT /files/{path}", `/files/${bad}`, 400, { body: "x", headers: text });
  await run.call("PUT /files/{path}", "/files/docs", 409, { body: "x", headers: text });
  await run.call("PUT /files/{path}", "/files/docs%2Fcopy.txt", 412, {
    body: "x",
    headers: { ...text, "if-none-match": "*" },
  });
  await run.call("PUT /files/{path}", "/files/big.bin", 413, {
    body: "x".repeat(70_000),
    headers: { "content-type": "application/octet-stream" },
  });
  await run.call("DELETE /files/{path}", `/files/${bad}`, 400);
  await run.call("DELETE /files/{path}", missing, 404);
  await run.call("DELETE /files/{path}", "/files/docs%2Fcopy.txt", 412, { headers: { "if-match": '"not-the-etag"' } });

  // Listing, search, log.
  await run.call("GET /files", "/files?prefix=a%2F..%2F", 400);
  await run.call("GET /files/search", "/files/search?q=%20", 400);
  await run.call("GET /files/log", "/files/log?path=..%2F", 400);

  // History: bad path or tx, nothing there, a folder where a file is to be restored.
  await run.call("GET /files/versions", `/files/versions?path=${bad}`, 400);
  await run.call("GET /files/versions", "/files/versions?path=docs%2Fnever.txt", 404);
  await run.call("GET /files/trash", "/files/trash?prefix=a%2F..%2F", 400);
  await run.call("GET /files/{path}", "/files/docs%2Fcopy.txt?tx=999999", 400, { headers: json });
  await run.call("POST /files/restore", "/files/restore", 400, { json: { path: "a/../b", tx: 1 } });
  await run.call("POST /files/restore", "/files/restore", 404, { json: { path: "docs/never.txt", tx: 1 } });
  const deleted = await (await run.call(put, "/files/gone.txt", 200, { body: "was a file", headers: text })).json();
  await run.call("DELETE /files/{path}", "/files/gone.txt", 200);
  await run.call("POST /files/mkdir", "/files/mkdir", 200, { json: { path: "gone.txt/" } });
  await run.call("POST /files/restore", "/files/restore", 409, { json: { path: "gone.txt", tx: deleted.tx } });

  // mkdir, move, copy.
  await run.call("POST /files/mkdir", "/files/mkdir", 400, { json: { path: "a/../b/" } });
  await run.call("POST /files/mkdir", "/files/mkdir", 409, { json: { path: "docs/copy.txt/" } });
  for (const op of ["POST /files/move", "POST /files/copy"]) {
    const path = op.slice(5);
    await run.call(op, path, 400, { json: { from: "docs/copy.txt", to: "docs/copy.txt" } });
    await run.call(op, path, 404, { json: { from: "docs/none.txt", to: "docs/other.txt" } });
    await run.call(op, path, 409, { json: { from: "docs/copy.txt", to: "up/two.txt" } });
    await run.call(op, path, 412, {
      json: { from: "docs/copy.txt", to: "docs/elsewhere.txt" },
      headers: { "if-match": '"not-the-etag"' },
    });
  }

  // Uploads.
  await run.call("POST /files/uploads", "/files/uploads", 400, { json: { path: "../x.txt" } });
  await run.call("POST /files/uploads/complete", "/files/uploads/complete", 400, { json: { path: "../x.txt" } });
  await run.call("POST /files/uploads/complete", "/files/uploads/complete", 404, { json: { path: "up/none.txt" } });
  const again = await (
    await run.call("POST /files/uploads", "/files/uploads", 200, { json: { path: "docs/copy.txt" } })
  ).json();
  const bound = { "content-type": boundType(again.url) };
  await run.call("PUT /blobs/{key}", local(again.url), 200, { token: null, body: "v2", headers: bound });
  await run.call("PUT /blobs/{key}", local(again.url), 409, { token: null, body: "v3", headers: bound });
  await run.call("POST /files/uploads/complete", "/files/uploads/complete", 412, {
    json: { path: "docs/copy.txt" },
    headers: { "if-none-match": "*" },
  });
  // The conditions are checked at creation too, before any byte is sent.
  for (const create of ["/files/uploads", "/files/uploads/multipart"]) {
    await run.call(`POST ${create}`, create, 412, {
      json: { path: "docs/copy.txt" },
      headers: { "if-none-match": "*" },
    });
  }
  await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 400, { json: { path: "../x.bin" } });
  const multi = await (
    await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 200, {
      json: { path: "docs/copy.txt" },
    })
  ).json();
  const part = await (
    await run.call("PUT /blobs/{key}", local(multi.part_urls[0]), 200, { token: null, body: "p", headers: {} })
  ).json();
  const complete = "/files/uploads/multipart/complete";
  const parts = [{ part_number: 1, etag: part.etag }];
  await run.call(`POST ${complete}`, complete, 400, { json: { path: "../x", upload_id: multi.upload_id, parts } });
  await run.call(`POST ${complete}`, complete, 404, { json: { path: "docs/copy.txt", upload_id: "nope", parts } });
  await run.call(`POST ${complete}`, complete, 412, {
    json: { path: "docs/copy.txt", upload_id: multi.upload_id, parts },
    headers: { "if-none-match": "*" },
  });
  // Completing where a folder stands.
  const onFolder = await (
    await run.call("POST /files/uploads", "/files/uploads", 200, { json: { path: "docs" } })
  ).json();
  await run.call("PUT /blobs/{key}", local(onFolder.url), 200, {
    token: null,
    body: "x",
    headers: { "content-type": boundType(onFolder.url) },
  });
  await run.call("POST /files/uploads/complete", "/files/uploads/complete", 409, { json: { path: "docs" } });
  const multiOnFolder = await (
    await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 200, { json: { path: "docs" } })
  ).json();
  const folderPart = await (
    await run.call("PUT /blobs/{key}", local(multiOnFolder.part_urls[0]), 200, { token: null, body: "p", headers: {} })
  ).json();
  await run.call(`POST ${complete}`, complete, 409, {
    json: { path: "docs", upload_id: multiOnFolder.upload_id, parts: [{ part_number: 1, etag: folderPart.etag }] },
  });
  const abort = "/files/uploads/multipart/abort";
  await run.call(`POST ${abort}`, abort, 400, { json: { path: "../x", upload_id: multi.upload_id } });
  await run.call(`POST ${abort}`, abort, 404, { json: { path: "docs/copy.txt", upload_id: "nope" } });

  // Signed URLs: a tampered signature, an object that is gone, a body over the upload cap.
  const tampered = s.blob.replace(/sig=[^&]+/, "sig=AAAA");
  await run.call("GET /blobs/{key}", tampered, 403, { token: null });
  await run.direct("HEAD /blobs/{key}", tampered, 403, { token: null });
  await run.call("PUT /blobs/{key}", s.uploadUrl.replace(/sig=[^&]+/, "sig=AAAA"), 403, {
    token: null,
    body: "x",
    headers: text,
  });
  await run.call("PUT /blobs/{key}", s.uploadUrl, 413, {
    token: null,
    body: "x".repeat(70_000),
    headers: { "content-type": boundType(s.uploadUrl) },
  });
  await run.call("DELETE /files/{path}", "/files/up%2Ftwo.txt", 200);
  // A deleted file's object stays while versions hold it, so the missing object is one that was
  // never stored, behind a URL signed with the stack's own secret.
  const missingKey = "neverStored00000";
  const gone = `/blobs/${missingKey}?${new UrlSigner(CONTRACT_SIGNING_SECRET).signedQuery({ method: "GET", key: missingKey, expiresIn: 3600 })}`;
  await run.call("GET /blobs/{key}", gone, 404, { token: null });
  await run.direct("HEAD /blobs/{key}", gone, 404, { token: null });
  await run.call("PUT /blobs/{key}", s.abortedPartUrl, 404, { token: null, body: "late", headers: {} });

  // Sharing.
  await run.call("POST /files/share", "/files/share", 400, { json: { path: "../x" } });
  await run.call("POST /files/share", "/files/share", 404, { json: { path: "docs/none.txt" } });
  await run.direct("GET /s/{token}", "/s/lightd_shr_unknownunknownunknown00", 401, { token: null });
  await run.call("PUT /files/{path}", "/files/shared%2Fgone.txt", 200, { body: "x", headers: text });
  const doomed = await (
    await run.call("POST /files/share", "/files/share", 201, { json: { path: "shared/gone.txt" } })
  ).json();
  await run.call("DELETE /files/{path}", "/files/shared%2Fgone.txt", 200);
  // A link dies with its file: answered like an unknown one.
  await run.direct("GET /s/{token}", `/s/${doomed.token}`, 401, { token: null });

  // Tokens, sessions, keys, accounts.
  await run.call("POST /auth/tokens", "/auth/tokens", 400, { json: { ttl: "forever" } });
  const programmatic = await (await run.call("POST /auth/tokens", "/auth/tokens", 200, { json: { ttl: "1h" } })).json();
  await run.call("POST /auth/logout", "/auth/logout", 400, { token: programmatic.token });
  await run.call("POST /auth/session", "/auth/session", 401, {
    token: null,
    json: { token: "lightd_tok_AAAAAAAAAAAAAAAA_notissued000000000000" },
  });
  await run.direct("POST /auth/session", "/auth/session", 400, { token: null, json: {} });
  await run.call("POST /auth/keys", "/auth/keys", 400, { json: { prefix: "../" } });
  const forever = await (await run.call("POST /auth/keys", "/auth/keys", 201, { json: { name: "forever" } })).json();
  await run.call("POST /auth/keys/{id}/rotate", `/auth/keys/${forever.id}/rotate`, 400, { json: { expires_in: 60 } });
  await run.call("POST /auth/keys/{id}/rotate", "/auth/keys/nope/rotate", 404, { json: { expires_in: 60 } });
  await run.call("DELETE /auth/keys/{id}", "/auth/keys/nope", 404);
  await run.call("POST /auth/register", "/auth/register", 400, {
    token: null,
    json: { actor: "bob", public_key: "short" },
  });
  await run.call("POST /auth/register", "/auth/register", 409, {
    token: null,
    json: { actor: s.account, public_key: s.publicKey },
  });
  await run.call("POST /auth/challenge", "/auth/challenge", 404, { token: null, json: { actor: "nobody" } });
  await run.call("POST /auth/verify", "/auth/verify", 404, {
    token: null,
    json: { challenge_id: "nope", actor: s.account, signature: b64(new Uint8Array(64)) },
  });
  await run.call("POST /auth/verify", "/auth/verify", 400, {
    token: null,
    json: { challenge_id: "nope", actor: s.account, signature: "AAAA" },
  });
  const challenge = await (
    await run.call("POST /auth/challenge", "/auth/challenge", 200, { token: null, json: { actor: s.account } })
  ).json();
  await run.call("POST /auth/verify", "/auth/verify", 401, {
    token: null,
    json: { challenge_id: challenge.challenge_id, actor: s.account, signature: b64(new Uint8Array(64)) },
  });
  await run.call("POST /auth/magic-link", "/auth/magic-link", 400, { token: null, json: { email: "not-an-address" } });
  // Input only the schema refuses: Prism would answer these itself, so they go straight to lightd.
  await run.direct("POST /auth/challenge", "/auth/challenge", 400, { token: null, json: { actor: "not a name!" } });
  const longToken = "x".repeat(300);
  await run.direct("GET /auth/magic-link/verify", `/auth/magic-link/verify?token=${longToken}`, 400, { token: null });
  await run.direct("POST /auth/magic-link/verify", "/auth/magic-link/verify", 400, {
    token: null,
    json: { token: longToken },
  });
  // A sign-in posted from another site's page (login CSRF).
  await run.call("POST /auth/magic-link/verify", "/auth/magic-link/verify", 403, {
    token: null,
    json: { token: "lightd_mlk_unknownunknownunknown00" },
    headers: { "sec-fetch-site": "cross-site" },
  });
  await run.direct("POST /auth/magic-link/verify", "/auth/magic-link/verify", 401, {
    token: null,
    json: { token: "lightd_mlk_unknownunknownunknown00" },
  });
  await run.call("POST /admin/accounts", "/admin/accounts", 400, { json: { actor: "dave", public_key: "short" } });
  await run.call("POST /admin/accounts", "/admin/accounts", 409, { json: { actor: s.account } });
  await run.call("DELETE /admin/accounts/{name}", "/admin/accounts/nobody", 404);
  await run.call("DELETE /admin/accounts/{name}", "/admin/accounts/admin", 400);
}

/**
 * Magic links on a server with SMTP and Turnstile configured but no `server.public_url`
 * (403 for a failed bot check, 503 for the missing origin), and on one whose SMTP server is
 * unreachable (500).
 */
export async function mailSteps(run: ContractRun, unreachable: ContractRun): Promise<void> {
  const path = "/auth/magic-link";
  await run.call(`POST ${path}`, path, 403, {
    token: null,
    json: { email: "eve@example.com", "cf-turnstile-response": "fail" },
  });
  await run.call(`POST ${path}`, path, 503, {
    token: null,
    json: { email: "eve@example.com", "cf-turnstile-response": "pass" },
  });
  await unreachable.call(`POST ${path}`, path, 500, { token: null, json: { email: "eve@example.com" } });
}
