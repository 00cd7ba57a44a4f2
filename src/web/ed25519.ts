import nacl from "tweetnacl";

/**
 * Ed25519 in the page: keys are parsed, generated and used here and never sent anywhere.
 * Accepted private keys: PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), or the raw
 * 32-byte seed (or 64-byte tweetnacl secret key) in base64.
 */
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

export function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    const raw = atob(text.replace(/\s+/g, ""));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The 32-byte seed of a private key, or an error message saying what is wrong with the text. */
export function parsePrivateKey(text: string): Uint8Array | string {
  const trimmed = text.trim();
  if (trimmed === "") return "Choose or paste your private key.";
  const pem = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(trimmed);
  if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(trimmed)) return "That is a public key; sign-in needs the private key.";
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(trimmed))
    return "Encrypted keys are not supported; export it without a passphrase.";
  const der = fromBase64(pem ? (pem[1] as string) : trimmed);
  if (der === null) return "The key is neither a PEM file nor base64.";
  if (der.length === 48 && PKCS8_PREFIX.every((b, i) => der[i] === b)) return der.slice(16);
  if (pem) return "The PEM file does not hold an Ed25519 private key.";
  if (der.length === 32) return der;
  if (der.length === 64) return der.slice(0, 32);
  return "A raw Ed25519 key is 32 bytes (or 64) in base64.";
}

export function signNonce(seed: Uint8Array, nonce: string): string {
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return toBase64(nacl.sign.detached(new TextEncoder().encode(nonce), pair.secretKey));
}

export interface NewKeyPair {
  seed: Uint8Array;
  publicKey: string;
  pem: string;
}

/** A fresh key pair; the private key as PKCS#8 PEM, the form openssl and lightd's docs use. */
export function generateKeyPair(): NewKeyPair {
  const seed = nacl.randomBytes(32);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const der = new Uint8Array(48);
  der.set(PKCS8_PREFIX);
  der.set(seed, 16);
  const pem = `-----BEGIN PRIVATE KEY-----\n${toBase64(der)}\n-----END PRIVATE KEY-----\n`;
  return { seed, publicKey: toBase64(pair.publicKey), pem };
}
