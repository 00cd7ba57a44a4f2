import { pathOfUrl } from "./url-path";

type Handler = (request: Request) => Response | Promise<Response>;

/** Every method and request header lightd's API reads, so a browser app can use all of it. */
const ALLOW_METHODS = "GET, HEAD, PUT, POST, DELETE";
const ALLOW_HEADERS =
  "Authorization, Content-Type, Accept, Range, If-Match, If-None-Match, If-Range, If-Modified-Since, Last-Event-ID, X-Request-Id";
/** Response headers a page may read besides the CORS-safelisted ones (`RateLimit-*` spelled out: no wildcards with credentials). */
const EXPOSE_HEADERS = [
  "ETag",
  "Location",
  "Content-Range",
  "Content-Disposition",
  "Accept-Ranges",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "Retry-After",
  "X-Request-Id",
  "X-Lightd-Tx",
].join(", ");
/**
 * Endpoints a person's browser navigates to and a page's script must never call: the OAuth
 * authorization endpoint (RFC 9700: no CORS there; consent is given on lightd's own page).
 * They get no CORS headers from any origin.
 */
const NAVIGATED_TO = new Set(["/oauth/authorize"]);

/** Browsers cap this anyway (Chromium: 2 h); 10 minutes keeps config changes visible soon. */
const PREFLIGHT_MAX_AGE = "600";

function withHeaders(response: Response, headers: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(headers)) {
      if (name === "vary") response.headers.append(name, value);
      else response.headers.set(name, value);
    }
    return response;
  } catch {
    // Immutable headers (a Response made elsewhere): copy it, body untouched.
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    return copy;
  }
}

/**
 * CORS, as one rule at the request edge. Security rule: only origins listed exactly in
 * `server.cors_origins` get CORS headers, and each gets its own origin echoed with
 * credentials allowed (never `*`, which browsers refuse with cookies or Authorization
 * anyway). Any other origin gets no CORS headers at all, so the browser blocks the page;
 * its preflight goes on to the app like any unknown route; so does every origin on an
 * endpoint only navigated to (NAVIGATED_TO). Requests without `Origin` (curl, servers) are
 * untouched.
 */
export function withCors(handler: Handler, allowedOrigins: () => readonly string[]): Handler {
  return (request) => {
    const origin = request.headers.get("origin");
    if (origin === null) return handler(request);
    const allowed = allowedOrigins();
    if (allowed.length === 0) return handler(request);
    if (!allowed.includes(origin) || NAVIGATED_TO.has(pathOfUrl(request.url))) {
      // The answer depends on Origin for every origin once CORS is configured: caches must know.
      return Promise.resolve(handler(request)).then((response) => withHeaders(response, { vary: "Origin" }));
    }
    const grant = {
      "access-control-allow-origin": origin,
      "access-control-allow-credentials": "true",
      vary: "Origin",
    };
    if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      return new Response(null, {
        status: 204,
        headers: {
          ...grant,
          "access-control-allow-methods": ALLOW_METHODS,
          "access-control-allow-headers": ALLOW_HEADERS,
          "access-control-max-age": PREFLIGHT_MAX_AGE,
        },
      });
    }
    return Promise.resolve(handler(request)).then((response) =>
      withHeaders(response, { ...grant, "access-control-expose-headers": EXPOSE_HEADERS }),
    );
  };
}
