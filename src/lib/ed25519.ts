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

/**
 * A base64 Ed25519 public key as 32 raw bytes, or null when it is not one. Security rule: a key
 * must be a canonical point of the curve outside its small subgroup (`isUsablePoint`), since a
 * small-order key accepts signatures nobody made.
 */
export function decodePublicKey(text: string): Uint8Array | null {
  const key = decodeBase64Exact(text, PUBLIC_KEY_BYTES);
  return key !== null && isUsablePoint(key) ? key : null;
}

const P = 2n ** 255n - 19n;
const mod = (a: bigint) => ((a % P) + P) % P;
function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}
const inverse = (a: bigint) => pow(a, P - 2n);
const D = mod(-121665n * inverse(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/**
 * Whether 32 bytes encode a point of Ed25519 that is usable as a public key: y canonical (< p),
 * on the curve, and not of small order ([8]A is not the identity). With a small-order key A,
 * [k]A takes at most 8 values, so the signature R = identity, S = 0 verifies for one message
 * in eight or fewer (RFC 8032 verifiers, tweetnacl's included, do not refuse such keys).
 */
export function isUsablePoint(bytes: Uint8Array): boolean {
  if (bytes.length !== PUBLIC_KEY_BYTES) return false;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? (bytes[i] as number) & 0x7f : (bytes[i] as number));
  if (y >= P) return false;
  // x² = (y² − 1) / (d·y² + 1); the sign of x does not change the point's order.
  const x2 = mod((y * y - 1n) * inverse(D * y * y + 1n));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * SQRT_M1);
  if (mod(x * x - x2) !== 0n) return false;
  // Three doublings on the twisted Edwards curve −x² + y² = 1 + d·x²·y² (a complete formula).
  for (let i = 0; i < 3; i++) {
    const t = mod(D * x * x * y * y);
    [x, y] = [mod(2n * x * y * inverse(1n + t)), mod((y * y + x * x) * inverse(1n - t))];
  }
  return !(x === 0n && y === 1n);
}

/** Verifies a detached Ed25519 signature over the UTF-8 bytes of `message`. */
export function verifySignature(message: string, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  return nacl.sign.detached.verify(new TextEncoder().encode(message), signature, publicKey);
}
