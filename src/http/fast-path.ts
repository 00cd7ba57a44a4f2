import type { Principal } from "../domain/principal";
import type { Logger } from "../lib/logger";
import { checkAccept } from "./accept";
import type { AuthRequirement, RequestAuthenticator } from "./auth";
import { isHeadRequest, requestIdOf } from "./edge";
import { renderErrorFor } from "./errors";
import { crossOriginRefusal, type SameOriginSettings } from "./same-origin";

type Handler = (request: Request) => Response | Promise<Response>;

/**
 * One of the hottest routes (a file's 302, its bytes, a signed /blobs URL, /auth/me, a file's
 * upload), answered by the edge without the framework's dispatch: per request that dispatch
 * (hooks, schema checks, the response mapping) cost more than the route's own work. The
 * answer comes from the route's own handler, after the same rules the app applies, in the
 * app's order: the Accept rule, the cross-origin rule, then the guard (one authentication per
 * request). Whatever a route does not take here (a query, a HEAD, JSON) goes to the app unchanged.
 */
export interface FastRoute {
  /** GET (the default: a request with a body or a HEAD is the app's) or PUT (the body is the route's). */
  method?: "GET" | "PUT";
  /** An exact path (`/auth/me`), or a prefix ending in `/` (`/files/`) whose route takes the rest. */
  path: string;
  /** The route as the app declares it (`/files/*`): the app's other routes under `path` keep their requests. */
  appPath: string;
  /** The guard's requirement; none for a route whose credential is in the URL (a signed URL). */
  auth?: AuthRequirement;
  /** Whether the route answers this request here, decided before anything runs. */
  takes(rest: string, query: string, request: Request): boolean;
  answer(request: Request, rest: string, principal: Principal | undefined): Response | Promise<Response>;
}

export interface FastPathRules {
  authenticate: RequestAuthenticator;
  server: () => SameOriginSettings;
  /** The app's GET routes (method and path, `:param` and `*` as declared). */
  appRoutes: readonly { method: string; path: string }[];
  /** For the one error renderer, as the app's error hook calls it. */
  logger: Logger;
}

/** Answers a request on a fast route, or hands it to `app`. */
export type FastPath = (request: Request, app: Handler) => Response | Promise<Response>;

/** A declared route path as a pattern (Elysia's: `:param` is one segment, `*` the rest, a trailing slash optional). */
function patternOf(path: string): RegExp {
  const body = path
    .split("/")
    .map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${body}/?$`);
}

/** The fast routes of one method, and the app's other routes of that method under their prefixes. */
interface RouteTable {
  exact: Map<string, FastRoute>;
  prefixed: FastRoute[];
  others: RegExp[];
}

function tableOf(
  method: "GET" | "PUT",
  routes: readonly FastRoute[],
  appRoutes: FastPathRules["appRoutes"],
): RouteTable {
  const mine = routes.filter((r) => (r.method ?? "GET") === method);
  const prefixed = mine.filter((r) => r.path.endsWith("/"));
  // The app's other routes that share a fast route's prefix (`/files/search` beside
  // `/files/*`) win there, as they do in the app's router.
  const own = new Set(mine.map((r) => r.appPath));
  return {
    exact: new Map(mine.filter((r) => !r.path.endsWith("/")).map((r) => [r.path, r])),
    prefixed,
    others: appRoutes
      .filter((r) => r.method === method && !own.has(r.path) && prefixed.some((f) => r.path.startsWith(f.path)))
      .map((r) => patternOf(r.path)),
  };
}

export function fastPath(routes: readonly FastRoute[], rules: FastPathRules): FastPath {
  const gets = tableOf("GET", routes, rules.appRoutes);
  const puts = tableOf("PUT", routes, rules.appRoutes);

  // Rendered here, as the app renders its own, so what wraps the app (CORS) sees a response.
  const refusal = (request: Request, error: unknown): Response =>
    renderErrorFor(request, error, "UNKNOWN", requestIdOf(request), rules.logger);

  /** The route's answer, without a promise when no step needs one (a warm request on the embedded engine). */
  const answer = (route: FastRoute, request: Request, rest: string): Response | Promise<Response> => {
    try {
      checkAccept(request.headers.get("accept"));
      const crossOrigin = crossOriginRefusal(request, rules.server());
      if (crossOrigin) throw crossOrigin;
      const principal = route.auth === undefined ? undefined : rules.authenticate(request, route.auth);
      const response =
        principal instanceof Promise
          ? principal.then((p) => route.answer(request, rest, p))
          : route.answer(request, rest, principal);
      return response instanceof Promise ? response.catch((error) => refusal(request, error)) : response;
    } catch (error) {
      return refusal(request, error);
    }
  };

  return (request, app) => {
    const method = request.method;
    let table: RouteTable;
    if (method === "GET" && request.body === null && !isHeadRequest(request)) table = gets;
    else if (method === "PUT") table = puts;
    else return app(request);
    const url = request.url;
    const start = url.indexOf("/", url.indexOf("//") + 2);
    const q = url.indexOf("?", start);
    const path = q === -1 ? url.slice(start) : url.slice(start, q);
    const query = q === -1 ? "" : url.slice(q + 1);
    let route = table.exact.get(path);
    let rest = "";
    if (route === undefined) {
      route = table.prefixed.find((r) => path.startsWith(r.path));
      if (route === undefined || table.others.some((p) => p.test(path))) return app(request);
      rest = path.slice(route.path.length);
    }
    if (!route.takes(rest, query, request)) return app(request);
    return answer(route, request, rest);
  };
}
