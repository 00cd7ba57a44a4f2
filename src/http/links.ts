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
  return configuredOrigin(server) ?? forwardedOrigin(request, server) ?? originOfUrl(request.url);
}

/** The text of the last URL parsed before its path, and its origin. */
let lastPrefix = "\u0000";
let lastOrigin = "";

/**
 * The origin of an absolute URL. It depends only on the text before the path (the parser
 * ends the host at the first `/` at the latest), and nearly every request repeats the one
 * before: only a new prefix is parsed.
 */
function originOfUrl(url: string): string {
  if (url.startsWith(lastPrefix) && url.charCodeAt(lastPrefix.length) === 47) return lastOrigin;
  const origin = new URL(url).origin;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start !== -1) {
    lastPrefix = url.slice(0, start);
    lastOrigin = origin;
  }
  return origin;
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
