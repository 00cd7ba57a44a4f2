import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, EXIT } from "./exit";
import { ensurePrivateDir, writePrivateFile } from "./profiles";

/** The key `lightd login` makes when none is given, in the client's config directory. */
export const DEFAULT_KEY_NAME = "id_ed25519";

export interface LoginKey {
  file: string;
  privateKey: KeyObject;
  /** The raw 32-byte public key in base64, as `/auth/register` takes it. */
  publicKeyBase64: string;
}

/**
 * Reads an Ed25519 private key in PEM (PKCS#8, what `openssl genpkey -algorithm ed25519`
 * writes) and derives its public key. Anything else is refused with a message naming the file.
 */
export function readLoginKey(file: string): LoginKey {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read key ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(text);
  } catch (error) {
    throw new CliError(`${file} is not a PEM private key: ${(error as Error).message}`, EXIT.usage);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new CliError(`${file} holds a ${privateKey.asymmetricKeyType} key; lightd login needs Ed25519`, EXIT.usage);
  }
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  // An Ed25519 SPKI is a fixed 12-byte header followed by the 32 raw key bytes.
  return { file, privateKey, publicKeyBase64: Buffer.from(spki.subarray(-32)).toString("base64") };
}

/** The key in `dir` (made on first use, 0600, PEM like openssl's), or the one named by `--key`. */
export function loginKey(dir: string, explicit: string | undefined): { key: LoginKey; created: boolean } {
  if (explicit) return { key: readLoginKey(explicit), created: false };
  const file = join(dir, DEFAULT_KEY_NAME);
  if (existsSync(file)) return { key: readLoginKey(file), created: false };
  const { privateKey } = generateKeyPairSync("ed25519");
  ensurePrivateDir(dir);
  writePrivateFile(file, privateKey.export({ format: "pem", type: "pkcs8" }).toString());
  return { key: readLoginKey(file), created: true };
}

/** The detached signature of the challenge nonce's UTF-8 bytes, base64 (what `/auth/verify` takes). */
export function signNonce(key: LoginKey, nonce: string): string {
  return sign(null, Buffer.from(nonce, "utf8"), key.privateKey).toString("base64");
}
