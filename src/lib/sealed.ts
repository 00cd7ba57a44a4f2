import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

/**
 * Secrets lightd must read back (a webhook's signing secret: HMAC needs the secret itself,
 * a hash would not do) are kept sealed with AES-256-GCM under a key derived from the
 * server's `signing_secret`, so a copy of the database alone does not reveal them.
 */
export class SecretBox {
  readonly #key: Buffer;

  /** `purpose` separates keys derived from the same root for different kinds of secrets. */
  constructor(rootSecret: string, purpose: string) {
    this.#key = createHmac("sha256", rootSecret).update(`lightd sealed secret: ${purpose}`).digest();
  }

  /** base64(iv ‖ tag ‖ ciphertext) */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** Throws when the text was sealed under another key (the signing secret changed) or altered. */
  open(sealed: string): string {
    const raw = Buffer.from(sealed, "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}
