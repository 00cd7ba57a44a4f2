import { timingSafeEqual } from "node:crypto";

export type SignedMethod = "GET" | "PUT";

/** Query parameters a signature may bind besides method, key and expiry. */
export const BINDABLE_PARAMS = ["upload_id", "part", "content_type", "filename", "size", "etag"] as const;
/** Bound later than the rest: left out of the MAC when absent, so URLs signed before them still verify. */
const OPTIONAL_IN_MAC = new Set<string>(["size", "etag"]);
export type BindableParam = (typeof BINDABLE_PARAMS)[number];
export type BoundParams = Partial<Record<BindableParam, string>>;

export interface SignRequest {
  method: SignedMethod;
  /** The object key the URL grants access to. */
  key: string;
  /** Seconds from now until the URL stops working. */
  expiresIn: number;
  bound?: BoundParams;
}

/** Query parameters that carry the expiry and the signature. */
export const EXPIRES_PARAM = "expires";
export const SIGNATURE_PARAM = "sig";

const DOMAIN = "lightd-url-v1";
const SIGNED_NAMES = new Set<string>([...BINDABLE_PARAMS, EXPIRES_PARAM, SIGNATURE_PARAM]);
// The two groups of the MAC's message, in order; fixed, so they are listed once, not per URL.
const ALWAYS_IN_MAC = BINDABLE_PARAMS.filter((n) => !OPTIONAL_IN_MAC.has(n));
const LATER_IN_MAC = BINDABLE_PARAMS.filter((n) => OPTIONAL_IN_MAC.has(n));

/** What application/x-www-form-urlencoded spells differently from encodeURIComponent. */
const FORM_SPELLING: Record<string, string> = {
  "!": "%21",
  "'": "%27",
  "(": "%28",
  ")": "%29",
  "~": "%7E",
  "%20": "+",
};

/** A value as URLSearchParams serialises it (the WHATWG form-urlencoded serializer). */
function formEncode(value: string): string {
  if (/^[\w.*-]*$/.test(value)) return value;
  return encodeURIComponent(value.toWellFormed()).replace(/[!'()~]|%20/g, (c) => FORM_SPELLING[c] as string);
}

/**
 * Signs and verifies URLs that grant one method on one object until an expiry:
 * HMAC-SHA256 over (method, key, expiry, every bindable parameter present or absent).
 * Security rule: a URL signed for one object, method, upload part, content type or
 * file name never verifies for another; a bound parameter cannot be added, dropped
 * or changed; the signature is compared in constant time.
 */
export class UrlSigner {
  readonly #secret: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < 32) throw new Error("signing secret must be at least 32 characters");
    this.#secret = Buffer.from(secret, "utf8");
  }

  /** The query parameters (bound params, `expires`, `sig`) that make a URL valid. */
  sign(request: SignRequest): URLSearchParams {
    return new URLSearchParams(this.signedQuery(request));
  }

  /**
   * The same parameters as a query string, exactly as `sign(…).toString()` spells it. Every
   * 302 to a download builds one, and serialising a URLSearchParams cost more than the MAC.
   */
  signedQuery(request: SignRequest): string {
    if (!Number.isFinite(request.expiresIn) || request.expiresIn <= 0) throw new Error("expiresIn must be positive");
    const expires = String(Math.floor(this.now() / 1000) + Math.ceil(request.expiresIn));
    let query = "";
    for (const name of BINDABLE_PARAMS) {
      const value = request.bound?.[name];
      if (value !== undefined) query += `${name}=${formEncode(value)}&`;
    }
    const sig = this.#mac(request.method, request.key, expires, request.bound ?? {});
    return `${query}${EXPIRES_PARAM}=${expires}&${SIGNATURE_PARAM}=${sig}`;
  }

  /**
   * Checks a presented URL's parameters for `method` on `key`. Returns the bound
   * parameters when the signature is valid and unexpired, `null` otherwise (the
   * caller answers 403 without saying which check failed).
   */
  verify(method: SignedMethod, key: string, params: URLSearchParams): BoundParams | null {
    // One pass over what was sent: a signed parameter given twice is refused.
    const seen = new Set<string>();
    for (const name of params.keys()) {
      if (!SIGNED_NAMES.has(name)) continue;
      if (seen.has(name)) return null;
      seen.add(name);
    }
    const expires = params.get(EXPIRES_PARAM);
    const sig = params.get(SIGNATURE_PARAM);
    if (expires === null || sig === null || !/^\d{1,12}$/.test(expires)) return null;
    const bound: BoundParams = {};
    for (const name of BINDABLE_PARAMS) {
      const value = params.get(name);
      if (value !== null) bound[name] = value;
    }
    const expected = Buffer.from(this.#mac(method, key, expires, bound), "utf8");
    const given = Buffer.from(sig, "utf8");
    // Check the signature before the clock so timing says nothing about expiry of forged URLs.
    const valid = given.length === expected.length && timingSafeEqual(given, expected);
    if (!valid) return null;
    if (Number(expires) < Math.floor(this.now() / 1000)) return null;
    return bound;
  }

  #mac(method: SignedMethod, key: string, expires: string, bound: BoundParams): string {
    // JSON keeps the message unambiguous: no separator inside a value can shift fields,
    // and an absent parameter (null) differs from an empty one ("").
    const fields: unknown[] = [DOMAIN, method, key, expires, ALWAYS_IN_MAC.map((n) => bound[n] ?? null)];
    const later = LATER_IN_MAC.filter((n) => bound[n] !== undefined);
    if (later.length > 0) fields.push(later.map((n) => [n, bound[n]]));
    const message = JSON.stringify(fields);
    // Bun's native HMAC: every 302 signs a URL and every /blobs request verifies one.
    return new Bun.CryptoHasher("sha256", this.#secret).update(message).digest("base64url");
  }
}
