import type { Config } from "../config";

/**
 * Security rule for links someone else follows (the e-mailed magic link): their origin is
 * `server.public_url` and nothing else — never the request's Host or forwarded headers,
 * which whoever asks for the link controls. Null when public_url is not set.
 */
export function configuredOrigin(server: Pick<Config["server"], "public_url">): string | null {
  return server.public_url ? server.public_url.replace(/\/+$/, "") : null;
}

/**
 * The origin for links handed back to the caller itself (signed URLs, share links):
 * `server.public_url` when set, else the forwarded origin when the proxy is trusted, else
 * the origin the request came in on. Only the caller sees these, so its own Host is safe here.
 */
export function baseUrlOf(request: Request, server: Config["server"]): string {
  const configured = configuredOrigin(server);
  if (configured) return configured;
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
