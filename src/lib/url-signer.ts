import { LruMap } from "./lru";

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
  // Letters, digits and `_.*-` pass unchanged and "/" becomes %2F: the whole spelling of a
  // media type such as `application/octet-stream`, which every download binds, in one test.
  if (/^[\w.*/-]*$/.test(value)) return value.replaceAll("/", "%2F");
  return encodeURIComponent(value.toWellFormed()).replace(/[!'()~]|%20/g, (c) => FORM_SPELLING[c] as string);
}

/**
 * Verified queries kept, so a URL fetched again (a video's ranges, a file asked for twice in a
 * second) skips the MAC; and signed grants kept, so a file's 302s in one second sign once.
 */
const MOST_KEPT = 4096;
/** A longer query (extra parameters appended) is verified every time: the kept ones stay small. */
const MOST_KEPT_QUERY = 1024;

/**
 * Signs and verifies URLs that grant one method on one object until an expiry:
 * HMAC-SHA256 over (method, key, expiry, every bindable parameter present or absent).
 * Security rule: a URL signed for one object, method, upload part, content type or
 * file name never verifies for another; a bound parameter cannot be added, dropped
 * or changed; the signature is compared in constant time.
 */
export class UrlSigner {
  /** Keyed once: each MAC starts from a copy of it instead of keying a new HMAC. */
  readonly #keyed: Bun.CryptoHasher;
  /**
   * Queries that verified, by method, key and query exactly as presented. The secret is the
   * signer's for its life, so a query that verified once verifies again until its expiry,
   * which is checked on every use; anything else is not in here and gets the MAC.
   */
  readonly #verified = new LruMap<string, { bound: Readonly<BoundParams>; expires: number }>(MOST_KEPT);
  /**
   * The last query signed for a method and key. Within one second the same grant signs to
   * the same query (the expiry counts in seconds), so a file many clients ask for in that
   * second is signed once; any other expiry or bound parameter signs afresh.
   */
  readonly #signed = new LruMap<string, { expires: string; bound: BoundParams; query: string }>(MOST_KEPT);

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < 32) throw new Error("signing secret must be at least 32 characters");
    this.#keyed = new Bun.CryptoHasher("sha256", Buffer.from(secret, "utf8"));
  }

  /**
   * The query parameters (bound params, `expires`, `sig`) that make a URL valid, as a query
   * string spelled exactly as URLSearchParams would spell it. Every 302 to a download builds
   * one, and serialising a URLSearchParams cost more than the MAC.
   */
  signedQuery(request: SignRequest): string {
    if (!Number.isFinite(request.expiresIn) || request.expiresIn <= 0) throw new Error("expiresIn must be positive");
    const expires = String(this.#nowSeconds() + Math.ceil(request.expiresIn));
    const bound = request.bound ?? {};
    // A method has no space: no other method and key spell the same entry.
    const grant = `${request.method} ${request.key}`;
    const last = this.#signed.get(grant);
    if (last !== undefined && last.expires === expires && BINDABLE_PARAMS.every((n) => last.bound[n] === bound[n])) {
      return last.query;
    }
    let query = "";
    for (const name of BINDABLE_PARAMS) {
      const value = bound[name];
      if (value !== undefined) query += `${name}=${formEncode(value)}&`;
    }
    query += `${EXPIRES_PARAM}=${expires}&${SIGNATURE_PARAM}=${this.#mac(request.method, request.key, expires, bound)}`;
    this.#signed.set(grant, { expires, bound: { ...bound }, query });
    return query;
  }

  /**
   * Checks a presented URL's query string (without or with its `?`) for `method` on `key`.
   * Returns the bound parameters when the signature is valid and unexpired, `null` otherwise
   * (the caller answers 403 without saying which check failed).
   */
  verify(method: SignedMethod, key: string, query: string): Readonly<BoundParams> | null {
    // The key's length first: no other method, key and query spell the same entry.
    const entry = query.length <= MOST_KEPT_QUERY ? `${method} ${key.length} ${key} ${query}` : null;
    const kept = entry === null ? undefined : this.#verified.get(entry);
    if (kept !== undefined) {
      if (kept.expires >= this.#nowSeconds()) return kept.bound;
      this.#verified.delete(entry as string);
      return null;
    }
    const signed = signedParamsOf(query);
    if (signed === null) return null;
    const expires = signed.get(EXPIRES_PARAM);
    const sig = signed.get(SIGNATURE_PARAM);
    if (expires === undefined || sig === undefined || !/^\d{1,12}$/.test(expires)) return null;
    const bound: BoundParams = {};
    for (const name of BINDABLE_PARAMS) {
      const value = signed.get(name);
      if (value !== undefined) bound[name] = value;
    }
    // Check the signature before the clock so timing says nothing about expiry of forged URLs.
    if (!sameInConstantTime(sig, this.#mac(method, key, expires, bound))) return null;
    if (Number(expires) < this.#nowSeconds()) return null;
    if (entry !== null) this.#verified.set(entry, { bound: Object.freeze(bound), expires: Number(expires) });
    return bound;
  }

  /** How many verified queries are kept (for tests). */
  get kept(): number {
    return this.#verified.size;
  }

  /** The clock in whole seconds, the unit `expires` counts in. */
  #nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  #mac(method: SignedMethod, key: string, expires: string, bound: BoundParams): string {
    // JSON keeps the message unambiguous: no separator inside a value can shift fields,
    // and an absent parameter (null) differs from an empty one ("").
    const fields: unknown[] = [DOMAIN, method, key, expires, ALWAYS_IN_MAC.map((n) => bound[n] ?? null)];
    const later = LATER_IN_MAC.filter((n) => bound[n] !== undefined);
    if (later.length > 0) fields.push(later.map((n) => [n, bound[n]]));
    const message = JSON.stringify(fields);
    // Bun's native HMAC: every 302 signs a URL and every /blobs request verifies one.
    return this.#keyed.copy().update(message).digest("base64url");
  }
}

/**
 * The signed parameters (names in SIGNED_NAMES) of a query string; null when one is given
 * twice. Read in one pass as URLSearchParams would read it, without building one: every
 * signed download verifies a query, and URLSearchParams cost more than the MAC.
 */
function signedParamsOf(query: string): Map<string, string> | null {
  const signed = new Map<string, string>();
  // URLSearchParams drops one leading "?".
  let start = query.charCodeAt(0) === 63 ? 1 : 0;
  while (start < query.length) {
    let end = query.indexOf("&", start);
    if (end === -1) end = query.length;
    if (end > start) {
      const eq = query.indexOf("=", start);
      const nameEnd = eq === -1 || eq > end ? end : eq;
      const name = formDecode(query.slice(start, nameEnd));
      if (SIGNED_NAMES.has(name)) {
        if (signed.has(name)) return null;
        signed.set(name, nameEnd === end ? "" : formDecode(query.slice(nameEnd + 1, end)));
      }
    }
    start = end + 1;
  }
  return signed;
}

/** One name or value of application/x-www-form-urlencoded: "+" is a space, then percent-decoding. */
function formDecode(raw: string): string {
  if (!raw.includes("%") && !raw.includes("+")) return raw;
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    // A malformed escape or invalid UTF-8: URLSearchParams keeps the one and replaces the other.
    return new URLSearchParams(`v=${raw}`).get("v") as string;
  }
}

/**
 * Whether a presented signature equals the expected one, in time that depends only on the
 * length (which is public: every signature has the same). No early exit on a mismatch.
 */
function sameInConstantTime(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}
