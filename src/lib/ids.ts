import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random base62 string of `length` characters; every character carries log2(62) ≈ 5.95 bits. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: rejecting larger bytes keeps the alphabet unbiased.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Encodes a non-negative integer as fixed-width base62 (left-padded with "0"). */
export function toBase62(value: number, width: number): string {
  let out = "";
  let n = value;
  while (n > 0) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(width, "0").slice(-width);
}

export function isBase62(text: string): boolean {
  return /^[0-9A-Za-z]+$/.test(text);
}

/** Opaque row id: 16 base62 chars (~95 bits), safe to show and log. */
export function newId(): string {
  return randomBase62(16);
}
