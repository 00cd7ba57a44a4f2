/** The origin of the last request whose URL parsed (never empty: a relative URL has none). */
let lastUsable = "\u0000";

/**
 * A request whose URL the rest of lightd can parse. Bun builds `request.url` from the Host
 * header, so an empty or malformed one (`Host:`, `Host: a b`, `Host: x:99999`) yields a
 * relative or unparsable URL, and every later `new URL(request.url)` would throw (a 500).
 * Such a request is rebuilt on `fallbackOrigin` (the address the server listens on); a
 * usable URL costs one native parse check and is passed through untouched. Over HTTPS the
 * router looks for the path from the URL's 12th character (app.ts), so a Host shorter than 3
 * characters (`https://a/…`) is rebuilt too: the router would take part of its path for the host.
 */
export function withUsableUrl(request: Request, fallbackOrigin: string): Request {
  const url = request.url;
  // Nearly every request names the same origin as the one before: only a new one is parsed
  // (the host is all that can make an http URL unparsable, its path never does).
  if (url.startsWith(lastUsable) && url.charCodeAt(lastUsable.length) === 47) return request;
  const relative = url.charCodeAt(0) === 47; // "/"
  const start = relative ? 0 : url.indexOf("/", url.indexOf("//") + 2);
  const routable = url.charCodeAt(4) === 58 || start >= 11; // "http:", or an https host of 3 or more
  if (!relative && routable && URL.canParse(url)) {
    if (start !== -1) lastUsable = url.slice(0, start);
    return request;
  }
  const path = start === -1 ? "/" : url.slice(start);
  return new Request(`${fallbackOrigin}${path}`, request);
}
