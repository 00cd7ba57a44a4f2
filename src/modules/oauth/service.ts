import { OAuthError } from "../../domain/errors";
import type { Metadata } from "../../storage/db/metadata";
import type { CredentialVerifier } from "../auth/verifier";
import { AuthorizationService } from "./authorize";
import { ClientService } from "./clients";
import { AuthorizedApps } from "./grants";
import { OAUTH_SCOPES } from "./scopes";
import { OAuthTokenService } from "./tokens";

export interface OAuthDeps {
  metadata: Metadata;
  verifier: CredentialVerifier;
  /** `server.public_url` without a trailing slash, or null when it is not set. */
  publicOrigin: () => string | null;
  /** An account's name, for introspection answers. */
  actorOf: (accountId: number) => Promise<string>;
  now: () => number;
}

export const MISSING_ISSUER =
  "OAuth needs server.public_url in config.json (e.g. https://files.example.com): it is the issuer apps check, and lightd never takes it from the Host header";

/** lightd's OAuth 2.0 authorization server: apps, the authorization endpoint, tokens and grants. */
export class OAuthService {
  readonly clients: ClientService;
  readonly authorization: AuthorizationService;
  readonly tokens: OAuthTokenService;
  readonly apps: AuthorizedApps;

  constructor(private readonly deps: OAuthDeps) {
    this.clients = new ClientService(deps.metadata, deps.now);
    this.authorization = new AuthorizationService(this.clients, deps.metadata, deps.now);
    this.tokens = new OAuthTokenService(deps);
    this.apps = new AuthorizedApps(deps.metadata, this.clients, deps.verifier);
  }

  /**
   * Security rule "the issuer is configured, never taken from the request" (RFC 9207, RFC 8414):
   * apps compare it with `iss`, so a Host header must not be able to change it. Throws
   * temporarily_unavailable (503) naming the setting when it is missing.
   */
  /** False until server.public_url is set: without an issuer no OAuth endpoint answers. */
  hasIssuer(): boolean {
    return this.deps.publicOrigin() !== null;
  }

  issuer(): string {
    const origin = this.deps.publicOrigin();
    if (origin === null) throw new OAuthError("temporarily_unavailable", MISSING_ISSUER);
    return origin;
  }

  actorOf(accountId: number): Promise<string> {
    return this.deps.actorOf(accountId);
  }

  /** RFC 8414 authorization server metadata. */
  metadata(): Record<string, unknown> {
    const issuer = this.issuer();
    const authMethods = ["client_secret_basic", "client_secret_post", "none"];
    return {
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      registration_endpoint: `${issuer}/oauth/clients`,
      scopes_supported: [...OAUTH_SCOPES],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      token_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint_auth_methods_supported: authMethods,
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      service_documentation: `${issuer}/swagger`,
    };
  }

  sweepExpired(): Promise<number> {
    return this.tokens.sweepExpired();
  }
}
