import nacl from "tweetnacl";

/**
 * Ed25519 helpers for challenge login. Keys and signatures travel as standard base64
 * (base64url and missing padding are accepted too). The signed message is exactly the
 * challenge nonce string as UTF-8 bytes — nothing prepended, no hashing.
 */
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** Strict base64 decoding: null for anything that is not base64 of exactly `length` bytes. */
export function decodeBase64Exact(text: string, length: number): Uint8Array | null {
  const normalized = text.trim().replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(normalized)) return null;
  if (normalized.length !== Math.ceil((length * 4) / 3)) return null;
  const bytes = Buffer.from(normalized, "base64");
  if (bytes.length !== length) return null;
  // Reject non-canonical encodings (stray low bits in the last character).
  if (bytes.toString("base64").replace(/=+$/, "") !== normalized) return null;
  return new Uint8Array(bytes);
}

/** A base64 Ed25519 public key as 32 raw bytes, or null when it is not one. */
export function decodePublicKey(text: string): Uint8Array | null {
  return decodeBase64Exact(text, PUBLIC_KEY_BYTES);
}

/** Verifies a detached Ed25519 signature over the UTF-8 bytes of `message`. */
export function verifySignature(message: string, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  return nacl.sign.detached.verify(new TextEncoder().encode(message), signature, publicKey);
}
