import { Elysia } from "elysia";
import { type Requirement, requireAccess } from "../domain/access";
import { AppError } from "../domain/errors";
import type { Authenticator, Principal } from "../domain/principal";
import { type Awaitable, andThen } from "../lib/awaitable";
import { acceptsVersioned, VERSIONED_MEDIA_TYPE } from "./accept";
import { metaOf } from "./edge";
import { parseRequestJson } from "./json-body";

export const SESSION_COOKIE = "lightd_session";

export interface AuthSettings {
  enabled: boolean;
  require_accept: boolean;
}

/**
 * Rate-limit hooks the guard calls around authentication (implemented by src/http/rate-limit.ts).
 * `beforeVerify` refuses an IP that has failed too often *before* any argon2 work;
 * `failed` charges a failed attempt to the IP; `admitted` charges the credential. The checks
 * answer with a promise when instances share their buckets (Postgres).
 */
export interface AuthLimits {
  beforeVerify(request: Request): void | Promise<void>;
  failed(request: Request): void | Promise<void>;
  admitted(principal: Principal): void | Promise<void>;
}

/** What a route asks of its caller (the domain's rule): any valid credential, a scope, the admin or the master token. */
export type AuthRequirement = Requirement;

function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // Broken percent-encoding (`lightd_session=%`) is no credential, like a malformed Authorization header.
      return null;
    }
  }
  return null;
}

/**
 * Finds the presented token: `Authorization: Bearer|ApiKey <t>`, then `?token=`, then the
 * session cookie. A malformed Authorization header counts as no token.
 */
export function extractToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header !== null) {
    const match = /^(?:Bearer|ApiKey)[ \t]+(\S+)[ \t]*$/i.exec(header);
    return match ? (match[1] as string) : null;
  }
  const url = request.url;
  const q = url.indexOf("?");
  if (q !== -1 && url.includes("token=", q)) {
    const fromQuery = new URLSearchParams(url.slice(q + 1)).get("token");
    if (fromQuery) return fromQuery;
  }
  return cookieValue(request.headers.get("cookie"), SESSION_COOKIE);
}

/**
 * The auth guard as an Elysia macro: `{ auth: 'files:read' }` on a route resolves
 * `principal` or answers 401 (no/invalid/expired credential), 403 (missing scope) or
 * 406 (strict Accept mode). With `authorization.enabled: false`, requests without a
 * token act as the admin account (local development only).
 */
/**
 * Who may call: the verified principal for a request and its already-extracted token. At
 * once (or a throw) when every step is synchronous; a promise when one is not.
 */
export type Authorizer = (
  request: Request,
  requirement: AuthRequirement,
  token: string | null,
  options?: { skipAcceptRule?: boolean },
) => Awaitable<Principal>;

/**
 * The one authentication rule every front door uses (REST guard, WebDAV): rate limits
 * before argon2, the verifier, the `authorization.enabled: false` fallback to the admin
 * account, and the scope or master requirement. Throws 401, 403, 406 or 429.
 *
 * Each step takes a promise only when it returns one (limits shared through Postgres, a
 * token that needs argon2), so a warm request on the embedded engine is answered without one.
 */
export function createAuthorizer(
  verifier: Authenticator,
  settings: () => AuthSettings,
  limits?: AuthLimits,
): Authorizer {
  return (request, requirement, token, options) => {
    const current = settings();
    if (!options?.skipAcceptRule && current.require_accept && !acceptsVersioned(request.headers.get("accept"))) {
      throw new AppError("not_acceptable", `Accept: ${VERSIONED_MEDIA_TYPE} is required`);
    }
    const admit = (principal: Principal): Awaitable<Principal> =>
      andThen(limits?.admitted(principal), () => {
        requireAccess(principal, requirement);
        return principal;
      });
    if (!current.enabled && token === null) return admit(verifier.masterPrincipal());
    const refused = (error: unknown): Awaitable<Principal> => {
      // Charged before the answer, so the next attempt from the address sees it (on any instance).
      const charged =
        token !== null && error instanceof AppError && error.status === 401 ? limits?.failed(request) : undefined;
      return andThen(charged, () => {
        if (current.enabled) throw error;
        return admit(verifier.masterPrincipal());
      });
    };
    const verify = (): Awaitable<Principal> => {
      let principal: Awaitable<Principal>;
      try {
        principal = verifier.authenticate(token);
      } catch (error) {
        return refused(error);
      }
      return principal instanceof Promise ? principal.then(admit, refused) : admit(principal);
    };
    if (token === null) return verify();
    let looked: void | Promise<void>;
    try {
      looked = limits?.beforeVerify(request);
    } catch (error) {
      return refused(error);
    }
    return looked ? looked.then(verify, refused) : verify();
  };
}

/** The guard's check of one request against a requirement: its principal, or 401, 403, 406 or 429. */
export type RequestAuthenticator = (request: Request, requirement: AuthRequirement) => Awaitable<Principal>;

/**
 * One authentication per request, however many times it is asked (the guard's parse,
 * transform and resolve hooks, or the edge's fast routes), so a single-use token is
 * consumed once and argon2 never runs twice for one request.
 */
export function requestAuthenticator(
  verifier: Authenticator,
  settings: () => AuthSettings,
  limits?: AuthLimits,
): RequestAuthenticator {
  const authorizer = createAuthorizer(verifier, settings, limits);
  return (request, requirement) => {
    const meta = metaOf(request);
    if (meta.auth === undefined) {
      try {
        meta.auth = authorizer(request, requirement, extractToken(request));
      } catch (error) {
        // Asked again (the guard's next hook), the request gets the same refusal, not a second try.
        const refused = Promise.reject(error);
        refused.catch(() => {});
        meta.auth = refused;
        throw error;
      }
    }
    return meta.auth;
  };
}

/**
 * The auth guard as an Elysia macro: `{ auth: 'files:read' }` on a route resolves
 * `principal` or answers 401 (no/invalid/expired credential), 403 (missing scope) or
 * 406 (strict Accept mode). With `authorization.enabled: false`, requests without a
 * token act as the admin account (local development only).
 */
export function authGuard(authenticate: RequestAuthenticator) {
  return new Elysia({ name: "auth-guard" }).macro({
    auth: (requirement: AuthRequirement) => ({
      // Authenticate before the body is parsed and validated: an anonymous caller gets
      // 401, never a 400 that reveals the route's body schema.
      async parse({ request, contentType }) {
        await authenticate(request, requirement);
        // JSON is parsed here, after authentication, so nesting is checked before validation.
        return parseRequestJson(request, contentType);
      },
      // Parse runs only for requests with a body; transform runs for every request, before
      // the query and params are validated, so a bodiless anonymous request is a 401 too.
      async transform({ request }) {
        await authenticate(request, requirement);
      },
      async resolve({ request }): Promise<{ principal: Principal }> {
        return { principal: await authenticate(request, requirement) };
      },
    }),
  });
}
