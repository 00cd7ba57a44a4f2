import { describe, expect, test } from "bun:test";
import { type BoundParams, type SignedMethod, type SignRequest, UrlSigner } from "../../src/lib/url-signer";

const SECRET = "unit-test-secret-0123456789abcdef0123456789";
const KEY = "objectKey0001";

/** The signer, with its query strings handled as URLSearchParams so tests can change one parameter. */
class ParamsSigner {
  constructor(readonly signer: UrlSigner) {}
  sign(request: SignRequest): URLSearchParams {
    return new URLSearchParams(this.signer.signedQuery(request));
  }
  signedQuery(request: SignRequest): string {
    return this.signer.signedQuery(request);
  }
  verify(method: SignedMethod, key: string, params: URLSearchParams | string): BoundParams | null {
    return this.signer.verify(method, key, String(params));
  }
}

function signer(clock = { now: 1_700_000_000_000 }) {
  return { clock, s: new ParamsSigner(new UrlSigner(SECRET, () => clock.now)) };
}

/**
 * What verifying `raw` must give, read by URLSearchParams instead of the signer's own one-pass
 * reader: null when a signed parameter is given twice, else the verdict on the signed
 * parameters alone, serialised again by URLSearchParams.
 */
function verifiedAsUrlSearchParamsReadIt(s: ParamsSigner, raw: string): BoundParams | null {
  const signedNames = new Set(["upload_id", "part", "content_type", "filename", "size", "etag", "expires", "sig"]);
  const signed = [...new URLSearchParams(raw)].filter(([name]) => signedNames.has(name));
  if (new Set(signed.map(([name]) => name)).size !== signed.length) return null;
  return s.verify("GET", KEY, new URLSearchParams(signed));
}

describe("UrlSigner", () => {
  test("a signed URL verifies for its method and key and returns the bound params", () => {
    const { s } = signer();
    const params = s.sign({
      method: "GET",
      key: KEY,
      expiresIn: 60,
      bound: { content_type: "text/plain", filename: "a b.txt" },
    });
    expect(params.get("expires")).toBe(String(1_700_000_000 + 60));
    expect(s.verify("GET", KEY, params)).toEqual({ content_type: "text/plain", filename: "a b.txt" });
    // Round-trips through a URL string.
    const url = new URL(`http://x/blobs/${KEY}?${params}`);
    expect(s.verify("GET", KEY, url.searchParams)).not.toBeNull();
  });

  test("another method, another key or another secret never verifies", () => {
    const { s, clock } = signer();
    const params = s.sign({ method: "GET", key: KEY, expiresIn: 60 });
    expect(s.verify("PUT", KEY, params)).toBeNull();
    expect(s.verify("GET", "objectKey0002", params)).toBeNull();
    expect(new ParamsSigner(new UrlSigner(`${SECRET}x`, () => clock.now)).verify("GET", KEY, params)).toBeNull();
  });

  test("expiry is enforced against the injected clock", () => {
    const { s, clock } = signer();
    const params = s.sign({ method: "GET", key: KEY, expiresIn: 60 });
    clock.now += 60_000;
    expect(s.verify("GET", KEY, params)).not.toBeNull();
    clock.now += 1_000;
    expect(s.verify("GET", KEY, params)).toBeNull();
  });

  const tamper: [string, (p: URLSearchParams) => void][] = [
    ["changed signature", (p) => p.set("sig", `${p.get("sig")?.slice(0, -1)}A`)],
    ["truncated signature", (p) => p.set("sig", p.get("sig")?.slice(0, 10) ?? "")],
    ["missing signature", (p) => p.delete("sig")],
    ["later expiry", (p) => p.set("expires", String(Number(p.get("expires")) + 3600))],
    ["non-numeric expiry", (p) => p.set("expires", "1e12")],
    ["changed bound filename", (p) => p.set("filename", "evil.html")],
    ["dropped bound content type", (p) => p.delete("content_type")],
    ["added upload id", (p) => p.set("upload_id", "someUpload123")],
    ["added empty part", (p) => p.set("part", "")],
    ["duplicated filename", (p) => p.append("filename", "second")],
  ];
  for (const [name, change] of tamper) {
    test(`tampering rejected: ${name}`, () => {
      const { s } = signer();
      const params = s.sign({
        method: "GET",
        key: KEY,
        expiresIn: 60,
        bound: { content_type: "text/plain", filename: "f.txt" },
      });
      // The genuine URL verified first: what it left behind must not let the changed one in.
      expect(s.verify("GET", KEY, params)).not.toBeNull();
      change(params);
      expect(s.verify("GET", KEY, params)).toBeNull();
    });
  }

  test("a URL verified again gets the same params, and its expiry is still checked", () => {
    const { s, clock } = signer();
    const query = s.signedQuery({ method: "GET", key: KEY, expiresIn: 60, bound: { filename: "f.txt" } });
    expect(s.verify("GET", KEY, query)).toEqual({ filename: "f.txt" });
    expect(s.signer.kept).toBe(1);
    clock.now += 60_000;
    expect(s.verify("GET", KEY, query)).toEqual({ filename: "f.txt" });
    // Another method or another key never verifies on what the first one left.
    expect(s.verify("PUT", KEY, query)).toBeNull();
    expect(s.verify("GET", "objectKey0002", query)).toBeNull();
    expect(s.verify("GET", `${KEY} `, query)).toBeNull();
    clock.now += 1_000;
    expect(s.verify("GET", KEY, query)).toBeNull();
    expect(s.signer.kept).toBe(0);
    expect(s.verify("GET", KEY, query)).toBeNull();
  });

  test("the params a verified URL gives back cannot be changed for the next request", () => {
    const { s } = signer();
    const query = s.signedQuery({ method: "GET", key: KEY, expiresIn: 60, bound: { filename: "f.txt" } });
    const first = s.verify("GET", KEY, query) as BoundParams;
    expect(() => {
      first.filename = "evil.html";
    }).toThrow();
    expect(s.verify("GET", KEY, query)).toEqual({ filename: "f.txt" });
  });

  test("at most 4,096 verified URLs are kept; one let go verifies as before", () => {
    const { s } = signer();
    const queries = Array.from({ length: 5000 }, (_, i) =>
      s.signedQuery({ method: "GET", key: `objectKey${i}`, expiresIn: 60 }),
    );
    queries.forEach((query, i) => {
      expect(s.verify("GET", `objectKey${i}`, query)).toEqual({});
    });
    expect(s.signer.kept).toBe(4096);
    expect(s.verify("GET", "objectKey0", queries[0] as string)).toEqual({});
    expect(s.verify("GET", "objectKey0", `${queries[0]}x`)).toBeNull();
  });

  test("a query longer than 1,024 characters verifies every time and is not kept", () => {
    const { s } = signer();
    const query = `${s.signedQuery({ method: "GET", key: KEY, expiresIn: 60 })}&pad=${"a".repeat(1024)}`;
    expect(s.verify("GET", KEY, query)).toEqual({});
    expect(s.verify("GET", KEY, query)).toEqual({});
    expect(s.signer.kept).toBe(0);
  });

  test("a grant signed again gives exactly what a fresh signer gives, in its second and the next", () => {
    const { s, clock } = signer();
    const fresh = (request: SignRequest) => new UrlSigner(SECRET, () => clock.now).signedQuery(request);
    const grant: SignRequest = {
      method: "GET",
      key: KEY,
      expiresIn: 300,
      bound: { content_type: "text/plain", filename: "a b.txt", size: "5", etag: "e1" },
    };
    const first = s.signedQuery(grant);
    expect(s.signedQuery(grant)).toBe(first);
    expect(first).toBe(fresh(grant));
    expect(s.verify("GET", KEY, first)).toEqual(grant.bound as BoundParams);
    // Later in the same second: the same expiry, the same query.
    clock.now += 999;
    expect(s.signedQuery(grant)).toBe(first);
    // The next second: a later expiry, signed afresh.
    clock.now += 1;
    const next = s.signedQuery(grant);
    expect(next).not.toBe(first);
    expect(next).toBe(fresh(grant));
    expect(new URLSearchParams(next).get("expires")).toBe(String(1_700_000_001 + 300));
    // A longer lifetime asked in the same second is another expiry.
    expect(s.signedQuery({ ...grant, expiresIn: 301 })).toBe(fresh({ ...grant, expiresIn: 301 }));
  });

  test("within one second, a changed file, another key or another method is signed for itself", () => {
    const { s, clock } = signer();
    const fresh = (request: SignRequest) => new UrlSigner(SECRET, () => clock.now).signedQuery(request);
    const before: SignRequest = { method: "GET", key: KEY, expiresIn: 300, bound: { size: "5", etag: "e1" } };
    const replaced: SignRequest = { ...before, bound: { size: "7", etag: "e2" } };
    const renamed: SignRequest = { ...before, bound: { ...before.bound, filename: "b.txt" } };
    const unbound: SignRequest = { method: "GET", key: KEY, expiresIn: 300 };
    const cases: SignRequest[] = [
      before,
      replaced,
      renamed,
      unbound,
      { ...before, key: "objectKey0002" },
      { ...unbound, method: "PUT" },
    ];
    for (const request of [...cases, ...cases]) {
      const query = s.signedQuery(request);
      expect(query).toBe(fresh(request));
      expect(s.verify(request.method, request.key, query)).toEqual(request.bound ?? {});
    }
    // The replaced file's URL never verifies with the old file's size and etag.
    const old = new URLSearchParams(s.signedQuery(before));
    const now = new URLSearchParams(s.signedQuery(replaced));
    now.set("size", old.get("size") as string);
    now.set("etag", old.get("etag") as string);
    expect(s.verify("GET", KEY, now)).toBeNull();
  });

  test("changing the bound params after signing changes what the next signing binds", () => {
    const { s, clock } = signer();
    const bound: BoundParams = { size: "5", etag: "e1" };
    const first = s.signedQuery({ method: "GET", key: KEY, expiresIn: 300, bound });
    bound.etag = "e2";
    const second = s.signedQuery({ method: "GET", key: KEY, expiresIn: 300, bound });
    expect(second).not.toBe(first);
    expect(second).toBe(
      new UrlSigner(SECRET, () => clock.now).signedQuery({ method: "GET", key: KEY, expiresIn: 300, bound }),
    );
    expect(s.verify("GET", KEY, second)).toEqual({ size: "5", etag: "e2" });
  });

  test("a part URL is bound to its upload id and part number", () => {
    const { s } = signer();
    const params = s.sign({ method: "PUT", key: KEY, expiresIn: 60, bound: { upload_id: "upload000001", part: "3" } });
    expect(s.verify("PUT", KEY, params)).toEqual({ upload_id: "upload000001", part: "3" });
    const other = new URLSearchParams(params);
    other.set("part", "4");
    expect(s.verify("PUT", KEY, other)).toBeNull();
    const whole = new URLSearchParams(params);
    whole.delete("upload_id");
    whole.delete("part");
    expect(s.verify("PUT", KEY, whole)).toBeNull();
  });

  test("a download URL binds the object's size and etag; adding, dropping or changing them fails", () => {
    const { s } = signer();
    const bound = { content_type: "text/plain", filename: "f.txt", size: "36", etag: "abc123" };
    const params = s.sign({ method: "GET", key: KEY, expiresIn: 60, bound });
    expect(s.verify("GET", KEY, params)).toEqual(bound);
    for (const change of [
      (p: URLSearchParams) => p.set("size", "35"),
      (p: URLSearchParams) => p.delete("etag"),
      (p: URLSearchParams) => p.set("etag", "other"),
    ]) {
      const other = new URLSearchParams(params);
      change(other);
      expect(s.verify("GET", KEY, other)).toBeNull();
    }
    const without = s.sign({ method: "GET", key: KEY, expiresIn: 60, bound: { content_type: "text/plain" } });
    without.set("size", "36");
    expect(s.verify("GET", KEY, without)).toBeNull();
  });

  test("URLs that bind neither size nor etag keep the signature they had before those could be bound", () => {
    // The signature of this URL as signed by the release before: outstanding URLs survive an upgrade.
    const { s } = signer();
    const params = s.sign({ method: "GET", key: KEY, expiresIn: 60, bound: { content_type: "text/plain" } });
    const { createHmac } = require("node:crypto") as typeof import("node:crypto");
    const message = JSON.stringify([
      "lightd-url-v1",
      "GET",
      KEY,
      params.get("expires"),
      [null, null, "text/plain", null],
    ]);
    expect(params.get("sig")).toBe(createHmac("sha256", SECRET).update(message).digest("base64url"));
  });

  test("unrelated extra query parameters are ignored", () => {
    const { s } = signer();
    const params = s.sign({ method: "GET", key: KEY, expiresIn: 60 });
    params.set("cachebust", "1");
    expect(s.verify("GET", KEY, params)).toEqual({});
  });

  test("the query string is spelled exactly as URLSearchParams spells it, and verifies", () => {
    const { s } = signer();
    const names = [
      "plain.txt",
      "with space & ampersand=equals+plus.txt",
      "quotes'\"!()~*-_.txt",
      "percent%41%zz#hash?query/slash\\back",
      "ünïcödé 日本語 🙂.txt",
      "lone \ud800 surrogate",
      "tab\tnewline\nnul\u0000",
      "",
    ];
    const types = ["text/plain; charset=utf-8", "application/octet-stream", "image/svg+xml", "a/b//c", "/", "x"];
    for (const [i, filename] of names.entries()) {
      const request = {
        method: "GET" as const,
        key: KEY,
        expiresIn: 60,
        bound: { content_type: types[i % types.length] as string, filename, size: "36", etag: "abc" },
      };
      const query = s.signedQuery(request);
      const expected = new URLSearchParams();
      for (const [name, value] of Object.entries(request.bound)) expected.set(name, value);
      const parsed = new URLSearchParams(query);
      expected.set("expires", parsed.get("expires") as string);
      expected.set("sig", parsed.get("sig") as string);
      // Same order as the bindable parameters are listed in.
      const ordered = new URLSearchParams(
        ["content_type", "filename", "size", "etag", "expires", "sig"].map((n) => [n, expected.get(n) as string]),
      );
      expect(query).toBe(ordered.toString());
      // File names are well-formed (paths are checked); a lone surrogate is only spelled alike.
      if (filename.isWellFormed()) expect(s.verify("GET", KEY, parsed)).toEqual(request.bound);
    }
  });

  test("a raw query string verifies exactly as its URLSearchParams does", () => {
    const { s } = signer();
    const names = ["plain.txt", "a b+c%.txt", "ünïcödé 日本語 🙂.txt", "quotes'\"!()~*.txt", ""];
    for (const filename of names) {
      const query = s.signedQuery({
        method: "GET",
        key: KEY,
        expiresIn: 60,
        bound: { filename, size: "3", etag: "e" },
      });
      const sig = new URLSearchParams(query).get("sig") as string;
      const other = sig[0] === "A" ? "B" : "A";
      const hostile = [
        query,
        `?${query}`,
        `??${query}`,
        `${query}&`,
        `&&${query}&&x`,
        `${query}&cachebust=1&flag`,
        `${query}&sig=${sig}`,
        `${query}&filename=${encodeURIComponent(filename)}`,
        `${query}&%73ig=${sig}`,
        `${query.replace("sig=", "%73ig=")}`,
        `${query.replace("expires=", "expires=+")}`,
        query.replace(`sig=${sig}`, `sig=${other}${sig.slice(1)}`),
        query.replace(`sig=${sig}`, "sig"),
        query.replace(`sig=${sig}`, "sig="),
        query.replace(/expires=\d+/, "expires"),
        query.replace("filename=", "filename=%zz"),
        query.replace("filename=", "filename=%"),
        query.replace("filename=", "filename=%C3%28"),
        query.replace("filename=", "filename=%F0%9F%99"),
        query.replace("filename=", "file%6eame="),
        query.replace("filename=", "filename=a=b"),
        "",
        "?",
        "=&=",
      ];
      for (const raw of hostile) {
        expect(s.verify("GET", KEY, raw)).toEqual(verifiedAsUrlSearchParamsReadIt(s, raw));
      }
      expect(s.verify("GET", KEY, query)).toEqual({ filename, size: "3", etag: "e" });
      expect(s.verify("GET", KEY, `${query}&sig=${sig}`)).toBeNull();
    }
  });

  test("short secrets and non-positive lifetimes are refused", () => {
    expect(() => new UrlSigner("short")).toThrow();
    expect(() => signer().s.sign({ method: "GET", key: KEY, expiresIn: 0 })).toThrow();
  });
});
