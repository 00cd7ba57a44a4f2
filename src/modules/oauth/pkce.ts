import { timingSafeEqual } from "node:crypto";
import { invalidRequest } from "../../domain/errors";
import { sha256 } from "../../lib/secrets";

/** RFC 7636 §4.1/§4.2: 43–128 characters of the unreserved set, for verifiers and S256 challenges alike. */
const PKCE_TEXT = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Security rule "PKCE S256 on every authorization request" (RFC 9700 §2.1.1): a challenge is
 * required and `plain` is refused, so a stolen code is useless without the verifier.
 */
export function requireS256Challenge(challenge: string | undefined, method: string | undefined): string {
  if (challenge === undefined) {
    throw invalidRequest("code_challenge is required (PKCE with code_challenge_method=S256)");
  }
  if (method !== "S256") {
    throw invalidRequest(
      method === undefined || method === "plain"
        ? "code_challenge_method must be S256 (plain is not accepted)"
        : "Unsupported code_challenge_method: use S256",
    );
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    throw invalidRequest("code_challenge must be the base64url SHA-256 of the verifier (43 characters)");
  }
  return challenge;
}

/** True when BASE64URL(SHA256(verifier)) equals the stored challenge (constant time). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!PKCE_TEXT.test(verifier)) return false;
  const computed = Buffer.from(sha256(verifier).toString("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
