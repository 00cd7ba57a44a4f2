import nacl from "tweetnacl";
import type { ContractRun } from "./run";

/** What the happy path leaves behind for the error steps: live URLs, tokens and ids. */
export interface Samples {
  filePath: string;
  uploadUrl: string;
  abortedPartUrl: string;
  shareOnlyKey: string;
  readOnlyKey: string;
  etag: string;
  blob: string;
  master: string;
  shareToken: string;
  folderShareToken: string;
  keyToken: string;
  account: string;
  publicKey: string;
}

/** A URL lightd handed out, as a path on the proxy (same routes, other origin). */
export const local = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
export const json = { accept: "application/json" };
/** The Content-Type a signed upload URL was bound to (the upload must send exactly that). */
export const boundType = (url: string) =>
  new URL(url, "http://x").searchParams.get("content_type") ?? "application/octet-stream";
export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** Every operation once, as a client would use it, in an order where each step finds what it needs. */
export async function happyPath(run: ContractRun, magicLink: () => Promise<string>): Promise<Samples> {
  await run.call("GET /api/v1/public/ping", "/api/v1/public/ping", 200);

  // Files, one step.
  const put = "PUT /files/{path}";
  await run.call(put, "/files/docs%2Freport.txt?message=first", 200, {
    body: "hello, contract",
    headers: { "content-type": "text/plain" },
  });
  const meta = await (await run.call("GET /files/{path}", "/files/docs%2Freport.txt", 200, { headers: json })).json();
  await run.direct("GET /files/{path}", "/files/docs%2Freport.txt", 302);
  await run.call("HEAD /files/{path}", "/files/docs%2Freport.txt", 200);
  await run.call("HEAD /files/{path}", "/files/docs%2Freport.txt", 304, {
    headers: { "if-none-match": `"${meta.etag}"` },
  });
  await run.direct("HEAD /files/{path}", "/files/docs%2Freport.txt", 412, { headers: { "if-match": '"stale"' } });
  // The one-request download: the bytes themselves, answered like the signed download.
  const direct = "/files/docs%2Freport.txt?redirect=false";
  await run.call("GET /files/{path}", direct, 200);
  await run.call("GET /files/{path}", "/files/docs%2Freport.txt", 200, {
    headers: { accept: "application/octet-stream" },
  });
  await run.call("GET /files/{path}", direct, 206, { headers: { range: "bytes=0-4" } });
  await run.call("GET /files/{path}", direct, 304, { headers: { "if-none-match": `"${meta.etag}"` } });
  await run.call("GET /files/{path}", direct, 412, { headers: { "if-match": '"stale"' } });
  await run.call("GET /files/{path}", direct, 416, { headers: { range: "bytes=1000-2000" } });

  // The signed download URL: whole, ranged, conditional, unsatisfiable; GET and HEAD.
  const blob = local(meta.url);
  const etag = `"${meta.etag}"`;
  for (const op of ["GET /blobs/{key}", "HEAD /blobs/{key}"]) {
    await run.call(op, blob, 200);
    await run.call(op, blob, 206, { headers: { range: "bytes=0-4" } });
    await run.call(op, blob, 304, { headers: { "if-none-match": etag } });
  }
  await run.call("GET /blobs/{key}", blob, 412, { headers: { "if-match": '"stale"' } });
  await run.direct("HEAD /blobs/{key}", blob, 412, { headers: { "if-match": '"stale"' } });
  await run.call("GET /blobs/{key}", blob, 416, { headers: { range: "bytes=1000-2000" } });
  await run.direct("HEAD /blobs/{key}", blob, 416, { headers: { range: "bytes=1000-2000" } });

  await run.call("GET /files", "/files?prefix=docs%2F&limit=10", 200);
  await run.call("GET /files/search", "/files/search?q=report", 200);
  await run.call("GET /files/stats", "/files/stats", 200);
  await run.call("GET /files/log", "/files/log?since_tx=0", 200);
  await run.call("POST /files/mkdir", "/files/mkdir", 200, { json: { path: "folder/" } });
  await run.call("POST /files/move", "/files/move", 200, { json: { from: "docs/report.txt", to: "docs/moved.txt" } });
  await run.call("POST /files/copy", "/files/copy", 200, { json: { from: "docs/moved.txt", to: "docs/copy.txt" } });

  // History: the moved file's versions, the file as it was at its first tx, the trash, a restore.
  await run.call("GET /files/versions", "/files/versions?path=docs%2Freport.txt", 200);
  await run.call("GET /files/{path}", `/files/docs%2Freport.txt?tx=${meta.tx}`, 200, { headers: json });
  await run.direct("GET /files/{path}", `/files/docs%2Freport.txt?tx=${meta.tx}`, 302);
  await run.call("HEAD /files/{path}", `/files/docs%2Freport.txt?tx=${meta.tx}`, 200);
  await run.call("GET /files/trash", "/files/trash?limit=10", 200);
  await run.call("POST /files/restore", "/files/restore", 200, { json: { path: "docs/report.txt", tx: meta.tx } });

  // Two-step upload through a signed URL.
  const upload = await (
    await run.call("POST /files/uploads", "/files/uploads", 200, {
      json: { path: "up/two.txt", content_type: "text/plain" },
    })
  ).json();
  await run.call("PUT /blobs/{key}", local(upload.url), 200, {
    token: null,
    body: "two steps",
    headers: { "content-type": "text/plain" },
  });
  await run.call("POST /files/uploads/complete", "/files/uploads/complete", 200, { json: { path: "up/two.txt" } });

  // Multipart: one part, completed; another upload aborted.
  const multi = await (
    await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 200, {
      json: { path: "up/multi.bin", content_type: "application/octet-stream", part_count: 1 },
    })
  ).json();
  const part = await (
    await run.call("PUT /blobs/{key}", local(multi.part_urls[0]), 200, {
      token: null,
      body: "one part",
      headers: { "content-type": "application/octet-stream" },
    })
  ).json();
  await run.call("POST /files/uploads/multipart/complete", "/files/uploads/multipart/complete", 200, {
    json: { path: "up/multi.bin", upload_id: multi.upload_id, parts: [{ part_number: 1, etag: part.etag }] },
  });
  const aborted = await (
    await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 200, {
      json: { path: "up/aborted.bin", content_type: "application/octet-stream" },
    })
  ).json();
  await run.call("POST /files/uploads/multipart/abort", "/files/uploads/multipart/abort", 200, {
    json: { path: "up/aborted.bin", upload_id: aborted.upload_id },
  });

  // Sharing.
  const share = await (
    await run.call("POST /files/share", "/files/share", 201, { json: { path: "docs/copy.txt", ttl: 600 } })
  ).json();
  await run.direct("GET /s/{token}", `/s/${share.token}`, 302, { token: null });
  await run.call("PUT /files/{path}", "/files/shared%2Fa.txt", 200, {
    body: "a",
    headers: { "content-type": "text/plain" },
  });
  await run.call("PUT /files/{path}", "/files/shared%2Fsub%2Fb.txt", 200, {
    body: "b",
    headers: { "content-type": "text/plain" },
  });
  const folderShare = await (
    await run.call("POST /files/share", "/files/share", 201, { json: { path: "shared/", max_downloads: 100 } })
  ).json();

  // Tokens, keys and accounts.
  await run.call("POST /auth/tokens", "/auth/tokens", 200, { json: { ttl: "1h" } });
  await run.call("GET /auth/me", "/auth/me", 200);
  const key = await (
    await run.call("POST /auth/keys", "/auth/keys", 201, {
      json: {
        name: "contract",
        prefix: "keyonly/",
        scopes: ["files:read", "files:write", "files:delete", "share"],
        expires_in: 86_400,
      },
    })
  ).json();
  await run.call("GET /auth/keys", "/auth/keys", 200);
  const scoped = async (scopes: string[]) =>
    (await (await run.call("POST /auth/keys", "/auth/keys", 201, { json: { name: scopes[0], scopes } })).json()).token;
  const shareOnlyKey = await scoped(["share"]);
  const readOnlyKey = await scoped(["files:read"]);
  const rotated = await (
    await run.call("POST /auth/keys/{id}/rotate", `/auth/keys/${key.id}/rotate`, 200, { json: { expires_in: 3600 } })
  ).json();
  const spare = await (await run.call("POST /auth/keys", "/auth/keys", 201, { json: { name: "spare" } })).json();
  await run.call("DELETE /auth/keys/{id}", `/auth/keys/${spare.id}`, 200);

  const keys = nacl.sign.keyPair();
  const publicKey = b64(keys.publicKey);
  await run.call("POST /auth/register", "/auth/register", 201, {
    token: null,
    json: { actor: "alice", public_key: publicKey },
  });
  const challenge = await (
    await run.call("POST /auth/challenge", "/auth/challenge", 200, { token: null, json: { actor: "alice" } })
  ).json();
  const signature = b64(nacl.sign.detached(new TextEncoder().encode(challenge.nonce), keys.secretKey));
  const session = await (
    await run.call("POST /auth/verify", "/auth/verify", 200, {
      token: null,
      json: { challenge_id: challenge.challenge_id, actor: "alice", signature },
    })
  ).json();
  await run.call("POST /auth/logout", "/auth/logout", 200, { token: session.token });
  await run.call("POST /auth/session", "/auth/session", 200, { token: null, json: { token: run.master } });

  await run.call("POST /auth/magic-link", "/auth/magic-link", 200, { token: null, json: { email: "bob@example.com" } });
  const link = await magicLink();
  await run.call("GET /auth/magic-link/verify", `/auth/magic-link/verify?token=${link}`, 200, { token: null });
  await run.direct("POST /auth/magic-link/verify", "/auth/magic-link/verify", 303, {
    token: null,
    json: { token: link },
  });

  await run.call("GET /admin/accounts", "/admin/accounts", 200);
  await run.call("POST /admin/accounts", "/admin/accounts", 201, { json: { actor: "carol" } });
  await run.call("DELETE /admin/accounts/{name}", "/admin/accounts/carol", 200);
  await run.call("POST /admin/backups", "/admin/backups", 201);
  await run.call("GET /admin/backups", "/admin/backups", 200);

  await run.call("DELETE /files/{path}", "/files/docs%2Fmoved.txt", 200);
  await run.call("DELETE /files/{path}", "/files/folder%2F", 200);

  const spareUpload = await (
    await run.call("POST /files/uploads", "/files/uploads", 200, { json: { path: "up/spare.txt" } })
  ).json();
  return {
    filePath: "docs/copy.txt",
    uploadUrl: local(spareUpload.url),
    abortedPartUrl: local(aborted.part_urls[0]),
    shareOnlyKey,
    readOnlyKey,
    etag: meta.etag,
    blob,
    master: run.master,
    shareToken: share.token,
    folderShareToken: folderShare.token,
    keyToken: rotated.token,
    account: "alice",
    publicKey,
  };
}
