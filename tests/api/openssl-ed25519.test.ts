import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestApp } from "../fixtures/harness";

/**
 * An Ed25519 client that is not tweetnacl: OpenSSL makes the key pair and signs the
 * nonce (`pkeyutl -sign -rawin`, pure Ed25519 over the nonce's UTF-8 bytes).
 */
const t = makeTestApp();
const dir = mkdtempSync(join(tmpdir(), "lightd-openssl-"));
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function openssl(args: string[], stdin?: Uint8Array): Buffer {
  const run = Bun.spawnSync(["openssl", ...args], { stdin: stdin ?? "ignore", stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${run.stderr.toString()}`);
  return run.stdout;
}

const keyPath = join(dir, "key.pem");
openssl(["genpkey", "-algorithm", "ed25519", "-out", keyPath]);
// The SubjectPublicKeyInfo DER of an Ed25519 key is a fixed 12-byte header + the raw 32-byte key.
const der = openssl(["pkey", "-in", keyPath, "-pubout", "-outform", "DER"]);
expect(der.length).toBe(44);
expect(der.subarray(0, 12).toString("hex")).toBe("302a300506032b6570032100");
const publicKey = der.subarray(12).toString("base64");

function opensslSign(message: string): string {
  const msgPath = join(dir, "msg");
  writeFileSync(msgPath, message, "utf8");
  const sigPath = join(dir, "sig");
  openssl(["pkeyutl", "-sign", "-rawin", "-inkey", keyPath, "-in", msgPath, "-out", sigPath]);
  return readFileSync(sigPath).toString("base64");
}

test("register with an OpenSSL key, sign the nonce with OpenSSL, get a session", async () => {
  const reg = await t.request("POST", "/auth/register", {
    token: null,
    json: { actor: "openssl-user", type: "agent", public_key: publicKey },
  });
  expect(reg.status).toBe(201);
  expect(await reg.json()).toEqual({ actor: "openssl-user", type: "agent" });

  const ch = await t.request("POST", "/auth/challenge", { token: null, json: { actor: "openssl-user" } });
  const { challenge_id, nonce } = (await ch.json()) as { challenge_id: string; nonce: string };
  const signature = opensslSign(nonce);
  expect(Buffer.from(signature, "base64")).toHaveLength(64);

  const res = await t.request("POST", "/auth/verify", {
    token: null,
    json: { challenge_id, actor: "openssl-user", signature },
  });
  expect(res.status).toBe(200);
  const { token, actor } = (await res.json()) as { token: string; actor: string };
  expect(actor).toBe("openssl-user");
  const me = await t.request("GET", "/auth/me", { token });
  expect(await me.json()).toMatchObject({ actor: "openssl-user", source: "session" });
});

test("an OpenSSL signature of different bytes is refused", async () => {
  // An actor of its own with the same OpenSSL key: the test above may not have run yet.
  const reg = await t.request("POST", "/auth/register", {
    token: null,
    json: { actor: "openssl-other", type: "agent", public_key: publicKey },
  });
  expect(reg.status).toBe(201);
  const ch = await t.request("POST", "/auth/challenge", { token: null, json: { actor: "openssl-other" } });
  const { challenge_id, nonce } = (await ch.json()) as { challenge_id: string; nonce: string };
  const res = await t.request("POST", "/auth/verify", {
    token: null,
    json: { challenge_id, actor: "openssl-other", signature: opensslSign(`${nonce}\n`) },
  });
  expect(res.status).toBe(401);
});
