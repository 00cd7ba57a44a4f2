import { OAuthError } from "../../domain/errors";

const badRedirect = (text: string) => new OAuthError("invalid_redirect_uri", text);

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]"]);

/**
 * Checks a redirect URI at registration: absolute, no fragment (RFC 6749 §3.1.2), and either
 * https, http on a loopback IP literal (native apps, RFC 8252 §7.3), or a private-use scheme
 * named after a domain (`com.example.app:/cb`, RFC 8252 §7.1). Plain http elsewhere would hand
 * codes to anyone on the path.
 */
export function requireRegistrableRedirect(text: string): string {
  const url = URL.parse(text);
  if (!url) throw badRedirect(`redirect_uris: '${text.slice(0, 100)}' is not an absolute URI`);
  if (text.includes("#")) throw badRedirect("redirect_uris: a redirect URI must not have a fragment");
  if (url.username || url.password) throw badRedirect("redirect_uris: a redirect URI must not carry credentials");
  if (url.protocol === "https:") return text;
  if (url.protocol === "http:") {
    if (LOOPBACK_HOSTS.has(url.hostname) || url.hostname === "localhost") return text;
    throw badRedirect("redirect_uris: plain http is allowed only for loopback (http://127.0.0.1, http://[::1])");
  }
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(url.protocol)) return text;
  throw badRedirect(
    "redirect_uris: use https, http on 127.0.0.1 or [::1], or a private-use scheme named after a domain (com.example.app:/callback)",
  );
}

/** The URI without its port, for loopback IP literals only (the part RFC 8252 §7.3 says must match). */
function withoutLoopbackPort(text: string): string | null {
  const url = URL.parse(text);
  if (url?.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname)) return null;
  // Rebuild from the original text, so only the port is ignored and nothing is normalised.
  const match = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::\d{1,5})?([/?].*)?$/i.exec(text);
  return match ? `http://${match[1]}${match[2] ?? ""}` : null;
}

/**
 * Security rule "redirect only where the app registered" (RFC 9700 §4.1.3): the presented
 * redirect_uri equals a registered one character for character; the one exception is the port
 * of a loopback IP literal, which a native app picks at run time (RFC 8252 §7.3). `localhost`
 * gets no such exception. Returns the URI to redirect to, or null.
 */
export function matchRedirect(registered: readonly string[], presented: string): string | null {
  if (registered.includes(presented)) return presented;
  const loose = withoutLoopbackPort(presented);
  if (loose === null) return null;
  return registered.some((r) => withoutLoopbackPort(r) === loose) ? presented : null;
}
