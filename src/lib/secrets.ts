import { createHmac, timingSafeEqual } from "node:crypto";
import { Algorithm, hash, verify } from "@node-rs/argon2";

/** SHA-256 through Bun's one-shot hasher: half the cost of a node:crypto Hash object on the auth hot path. */
export function sha256(text: string | Uint8Array): Buffer {
  return Bun.CryptoHasher.hash("sha256", text) as Buffer;
}

export function sha256Hex(text: string | Uint8Array): string {
  return sha256(text).toString("hex");
}

export function hmacSha256(key: string, message: string): Buffer {
  return createHmac("sha256", key).update(message).digest();
}

/**
 * Constant-time string comparison. Both sides are hashed first so neither the
 * content nor the length of the secret leaks through timing.
 */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** argon2id hash of a secret for storage at rest. */
export function hashSecret(secret: string): Promise<string> {
  return hash(secret, { algorithm: Algorithm.Argon2id });
}

/** Verifies a secret against its argon2id hash; false (never throws) on mismatch or a malformed hash. */
export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(storedHash, secret);
  } catch {
    return false;
  }
}
