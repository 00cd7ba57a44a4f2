import nacl from "tweetnacl";
import type { ContractRun } from "./run";
import { b64, boundType, local } from "./steps";

const json = { "content-type": "application/json" };

/** Invites: create, list, revoke (twice: 404), and a body that is not JSON (sent straight: Prism would refuse it). */
export async function inviteSteps(run: ContractRun): Promise<void> {
  const invite = await (
    await run.call("POST /admin/invites", "/admin/invites", 201, { json: { note: "contract", expires_in: 3600 } })
  ).json();
  await run.call("GET /admin/invites", "/admin/invites", 200);
  await run.call("DELETE /admin/invites/{id}", `/admin/invites/${invite.id}`, 200);
  await run.call("DELETE /admin/invites/{id}", `/admin/invites/${invite.id}`, 404);
  await run.direct("POST /admin/invites", "/admin/invites", 400, { body: "{", headers: json });
}

/** An account of its own, signed in by its Ed25519 key: the master token's admin account has no quota. */
async function signedInAccount(run: ContractRun, actor: string): Promise<string> {
  const keys = nacl.sign.keyPair();
  const anonymous = { token: null };
  await run.call("POST /auth/register", "/auth/register", 201, {
    ...anonymous,
    json: { actor, public_key: b64(keys.publicKey) },
  });
  const challenge = await (
    await run.call("POST /auth/challenge", "/auth/challenge", 200, { ...anonymous, json: { actor } })
  ).json();
  const signature = b64(nacl.sign.detached(new TextEncoder().encode(challenge.nonce), keys.secretKey));
  const session = await (
    await run.call("POST /auth/verify", "/auth/verify", 200, {
      ...anonymous,
      json: { challenge_id: challenge.challenge_id, actor, signature },
    })
  ).json();
  return session.token;
}

/**
 * Quotas and the 507 of every write that can pass one: uploads started before the admin
 * lowers the quota are refused at completion (and their bytes at the signed URL); new uploads,
 * one-step PUTs and copies are refused up front.
 */
export async function quotaSteps(run: ContractRun): Promise<void> {
  const token = await signedInAccount(run, "quinn");
  const text = { "content-type": "text/plain" };
  await run.call("PUT /files/{path}", "/files/q%2Fone.txt", 200, { token, body: "one", headers: text });

  // Started while there is room.
  const single = await (
    await run.call("POST /files/uploads", "/files/uploads", 200, { token, json: { path: "q/late.txt" } })
  ).json();
  await run.call("PUT /blobs/{key}", local(single.url), 200, {
    token: null,
    body: "late",
    headers: { "content-type": boundType(single.url) },
  });
  const multi = await (
    await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 200, {
      token,
      json: { path: "q/late.bin" },
    })
  ).json();
  const part = await (
    await run.call("PUT /blobs/{key}", local(multi.part_urls[0]), 200, { token: null, body: "part", headers: {} })
  ).json();
  const unsent = await (
    await run.call("POST /files/uploads", "/files/uploads", 200, { token, json: { path: "q/unsent.txt" } })
  ).json();

  // The admin holds the account to what it stores now.
  const quota = "PUT /admin/accounts/{name}/quota";
  await run.call(quota, "/admin/accounts/quinn/quota", 200, { json: { bytes: 3, files: 1 } });
  await run.call(quota, "/admin/accounts/nobody/quota", 404, { json: { bytes: 3, files: 1 } });
  await run.direct(quota, "/admin/accounts/quinn/quota", 400, { body: "{", headers: json });

  await run.call("POST /files/uploads/complete", "/files/uploads/complete", 507, {
    token,
    json: { path: "q/late.txt" },
  });
  await run.call("POST /files/uploads/multipart/complete", "/files/uploads/multipart/complete", 507, {
    token,
    json: { path: "q/late.bin", upload_id: multi.upload_id, parts: [{ part_number: 1, etag: part.etag }] },
  });
  await run.call("PUT /blobs/{key}", local(unsent.url), 507, {
    token: null,
    body: "no room",
    headers: { "content-type": boundType(unsent.url) },
  });
  await run.call("POST /files/uploads", "/files/uploads", 507, { token, json: { path: "q/new.txt" } });
  await run.call("POST /files/uploads/multipart", "/files/uploads/multipart", 507, {
    token,
    json: { path: "q/new.bin" },
  });
  await run.call("PUT /files/{path}", "/files/q%2Fnew.txt", 507, { token, body: "new", headers: text });
  await run.call("POST /files/copy", "/files/copy", 507, { token, json: { from: "q/one.txt", to: "q/two.txt" } });
}
