const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Longest lifetime a credential may be given (a programmatic token's TTL, an API key's expiry): one year. */
export const MAX_TTL_MS = 365 * UNIT_MS.d;

/**
 * Parses the token TTL format `30s`, `15m`, `1h`, `7d` into milliseconds.
 * Returns null for anything else, zero, or more than MAX_TTL_MS.
 */
export function parseTtl(text: string): number | null {
  // Eight digits are enough for a year in seconds (31536000s) and keep the product exact.
  const match = /^([1-9][0-9]{0,7})([smhd])$/.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > MAX_TTL_MS ? null : ms;
}
