import { reachesLive, requireAccess } from "../../domain/access";
import { invalidRequest, OAuthError } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import { randomBase62 } from "../../lib/ids";
import { sha256Hex } from "../../lib/secrets";
import type { Metadata } from "../../storage/db/metadata";
import type { OAuthClientRow } from "../../storage/db/oauth";
import { type ClientService, redirectUrisOf } from "./clients";
import { requireS256Challenge } from "./pkce";
import { matchRedirect } from "./redirect";
import { type OAuthScope, parseScopeParam, scopeText } from "./scopes";

/** RFC 6749 §4.1.2: a code lives at most 10 minutes. */
export const CODE_TTL_MS = 10 * 60_000;

/**
 * A request that must not be redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.11): the client or its
 * redirect URI is unknown or does not match, so the error is shown to the person instead.
 */
export class UnsafeRedirectError extends Error {
  override name = "UnsafeRedirectError";
}

/** A checked authorization request: who asks, where the answer goes, what for. */
export interface AuthorizationRequest {
  client: OAuthClientRow;
  /** Where to send the answer: the presented redirect_uri, or the one registered. */
  redirectUri: string;
  /** The redirect_uri as sent (null when left out): the token request must repeat it. */
  sentRedirectUri: string | null;
  state: string | undefined;
  scopes: OAuthScope[];
  codeChallenge: string;
}

/** Reads the parameters of a query or form; a parameter given twice is kept as null (refused later). */
export function readParams(search: URLSearchParams): Map<string, string | null> {
  const params = new Map<string, string | null>();
  for (const [name, value] of search) params.set(name, params.has(name) ? null : value);
  return params;
}

/**
 * The authorization endpoint's rules, shared by the GET that shows the consent page and the
 * POST that answers it, so the two can never disagree.
 */
export class AuthorizationService {
  constructor(
    private readonly clients: ClientService,
    private readonly metadata: Metadata,
    private readonly now: () => number,
  ) {}

  /**
   * First the parts that decide whether redirecting is safe: client_id and redirect_uri.
   * Throws UnsafeRedirectError; never redirects anywhere unregistered.
   */
  async resolveClient(
    params: Map<string, string | null>,
  ): Promise<Pick<AuthorizationRequest, "client" | "redirectUri" | "sentRedirectUri">> {
    const clientId = params.get("client_id");
    if (clientId === null) throw new UnsafeRedirectError("client_id is given more than once.");
    if (clientId === undefined || clientId === "") throw new UnsafeRedirectError("The request names no client_id.");
    const client = await this.clients.find(clientId);
    if (!client) throw new UnsafeRedirectError("No application with this client_id is registered here.");
    const sent = params.get("redirect_uri");
    if (sent === null) throw new UnsafeRedirectError("redirect_uri is given more than once.");
    const registered = redirectUrisOf(client);
    if (sent === undefined) {
      // RFC 6749 §3.1.2.3: without redirect_uri the one registered URI is used, if there is exactly one.
      if (registered.length !== 1) {
        throw new UnsafeRedirectError("This application registered several redirect URIs: the request must name one.");
      }
      return { client, redirectUri: registered[0] as string, sentRedirectUri: null };
    }
    const redirectUri = matchRedirect(registered, sent);
    if (redirectUri === null) {
      throw new UnsafeRedirectError("The redirect_uri is not one this application registered.");
    }
    return { client, redirectUri, sentRedirectUri: sent };
  }

  /** The rest of the request (RFC 6749 §4.1.1, RFC 7636): throws OAuthError, to be sent to the redirect URI. */
  async validate(params: Map<string, string | null>): Promise<AuthorizationRequest> {
    const resolved = await this.resolveClient(params);
    for (const [name, value] of params) {
      if (value === null) throw invalidRequest(`${name} is given more than once`);
    }
    const one = (name: string) => params.get(name) ?? undefined;
    const responseType = one("response_type");
    if (responseType === undefined) throw invalidRequest("response_type is required");
    if (responseType !== "code") {
      throw new OAuthError("unsupported_response_type", "Only response_type=code (authorization code with PKCE)");
    }
    const codeChallenge = requireS256Challenge(one("code_challenge"), one("code_challenge_method"));
    const scopes = parseScopeParam(one("scope"));
    return { ...resolved, state: one("state"), scopes, codeChallenge };
  }

  /**
   * Issues a code after the person allowed the request. Security rules: only the person lets an
   * app in — their own sign-in, never an API key, a programmatic or OAuth token or a session
   * opened with one (403, see `requireAccess`); and "an app never gets more than the person
   * has": every requested scope must be within the signed-in credential's power (the code
   * keeps its prefix too), else invalid_scope. The code is single use, lives 10 minutes, and
   * is bound to the client, the redirect_uri and the PKCE challenge.
   */
  async issueCode(principal: Principal, request: AuthorizationRequest): Promise<string> {
    requireAccess(principal, "own-sign-in");
    const missing = request.scopes.filter((s) => !principal.scopes.has(s));
    if (missing.length > 0) {
      throw new OAuthError("invalid_scope", `The signed-in account cannot grant ${missing.join(", ")}`);
    }
    if (!reachesLive(principal)) throw new OAuthError("access_denied", "A test credential cannot authorize apps");
    const code = randomBase62(43);
    const created = this.now();
    const row = {
      code_hash: sha256Hex(code),
      client_id: request.client.id,
      account_id: principal.accountId,
      redirect_uri: request.sentRedirectUri,
      scopes: scopeText(request.scopes),
      prefix: principal.prefix,
      code_challenge: request.codeChallenge,
      created_at: created,
      expires_at: created + CODE_TTL_MS,
    };
    await this.metadata.write((tx) => tx.oauthCodes.insert(row));
    return code;
  }
}

/** The redirect URI with the answer's parameters added to its query (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export function redirectWith(uri: string, answer: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(answer)) if (value !== undefined) url.searchParams.append(name, value);
  return url.href;
}
