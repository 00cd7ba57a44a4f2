import { type Config, configuredOrigin } from "../config";

type ServerSettings = Pick<Config["server"], "public_url" | "trust_proxy">;

/** The scheme and host a trusted proxy says the client used; null without a trusted, sane one. */
function forwardedOrigin(request: Request, server: ServerSettings): string | null {
  if (!server.trust_proxy) return null;
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  if (!host || !/^[\w.:[\]-]+$/.test(host)) return null;
  return `${forwardedHttps(request) ? "https" : "http"}://${host}`;
}

function forwardedHttps(request: Request): boolean {
  return request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

/**
 * The one rule for where lightd is, as the caller reached it: `server.public_url` when set,
 * else the forwarded origin when the proxy is trusted (`server.trust_proxy`), else the origin
 * the request came in on. Links handed back to the caller itself (signed URLs, share links)
 * point here, and a browser page from here is lightd's own (the CSRF rule). Only the caller
 * sees these links, so its own Host is safe here.
 */
export function publicOriginOf(request: Request, server: ServerSettings): string {
  return configuredOrigin(server) ?? forwardedOrigin(request, server) ?? new URL(request.url).origin;
}

/**
 * True when a browser page at `origin` is lightd's own: the public origin of the request, or
 * the host the request itself came to (lightd reached directly, past public_url).
 */
export function isOwnOrigin(origin: string, request: Request, server: ServerSettings): boolean {
  if (origin === publicOriginOf(request, server)) return true;
  try {
    return new URL(origin).host === new URL(request.url).host;
  } catch {
    return false; // "null" (sandboxed or privacy-stripped) origins
  }
}

/** True when the request reached lightd over TLS (directly, or through a trusted proxy that says so). */
export function overTls(request: Request, server: Pick<Config["server"], "trust_proxy">): boolean {
  if (request.url.startsWith("https:")) return true;
  return server.trust_proxy && forwardedHttps(request);
}
