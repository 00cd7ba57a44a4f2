import type { Config } from "../config";

/**
 * The public origin clients should use for links lightd hands out (signed URLs, share
 * links): `server.public_url` when set, else the forwarded origin when the proxy is
 * trusted, else the origin the request came in on.
 */
export function baseUrlOf(request: Request, server: Config["server"]): string {
  if (server.public_url) return server.public_url.replace(/\/+$/, "");
  const url = new URL(request.url);
  if (server.trust_proxy) {
    const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
    const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
    if (host && /^[\w.:[\]-]+$/.test(host)) return `${proto === "https" ? "https" : "http"}://${host}`;
  }
  return url.origin;
}

/** True when the client asked for JSON (plain or lightd's versioned media type) rather than the bytes. */
export function wantsJson(request: Request): boolean {
  const accept = request.headers.get("accept")?.toLowerCase() ?? "";
  return accept.includes("application/json") || accept.includes("application/vnd.pkglatv1+json");
}
