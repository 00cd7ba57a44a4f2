import { reachesLive } from "../../domain/access";
import { badRequest, forbidden, invalidRequest, noSuch, OAuthError } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import { newId } from "../../lib/ids";
import { hashSecret, verifySecret } from "../../lib/secrets";
import { issueToken, parseIssuedToken, secretOf } from "../../lib/token-format";
import type { Metadata } from "../../storage/db/metadata";
import type { OAuthClientRow, OAuthGrantRow } from "../../storage/db/oauth";
import { grantWithin } from "./grants";
import type { ClientInformation as ClientInformationSchema, RegisterClientBody } from "./model";
import { requireRegistrableRedirect } from "./redirect";

/** What RFC 7591 §2 lets a client ask for when it registers (the fields lightd uses). */
export type ClientRegistration = typeof RegisterClientBody.static;

/** RFC 7591 §3.2.1 client information; `client_secret` only in the answer that created it. */
export type ClientInformation = typeof ClientInformationSchema.static;

/** How a token-endpoint request tried to authenticate its client (RFC 6749 §2.3.1). */
export interface ClientCredentials {
  basic?: { id: string; secret: string };
  bodyId?: string;
  bodySecret?: string;
}

const MAX_REDIRECT_URIS = 10;

const badMetadata = (text: string) => new OAuthError("invalid_client_metadata", text);
const invalidClient = (text: string) => new OAuthError("invalid_client", text);

export function redirectUrisOf(client: OAuthClientRow): string[] {
  return JSON.parse(client.redirect_uris) as string[];
}

function information(row: OAuthClientRow, secret?: string): ClientInformation {
  return {
    client_id: row.id,
    ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 }),
    client_id_issued_at: Math.floor(row.created_at / 1000),
    client_name: row.name,
    redirect_uris: redirectUrisOf(row),
    token_endpoint_auth_method: row.auth_method,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  };
}

/**
 * Security rule "a credential manages only what lies within its own power", for app
 * registrations: deleting an app or giving it a new secret reaches every authorization it holds,
 * so a credential sees and manages an app only when it reaches the live space and each of the
 * app's authorizations lies within its power (`grantWithin`, as for listing them).
 */
function manages(principal: Principal, clientId: string, grants: OAuthGrantRow[]): boolean {
  return reachesLive(principal) && grants.every((g) => g.client_id !== clientId || grantWithin(g, principal));
}

/**
 * Registered OAuth apps. Security rules: a client secret is shown once and kept only as an
 * argon2id hash, like every lightd secret; public clients (`none`) have no secret and may
 * never present one; an app belongs to the account that registered it.
 */
export class ClientService {
  constructor(
    private readonly metadata: Metadata,
    private readonly now: () => number,
  ) {}

  async register(principal: Principal, request: ClientRegistration): Promise<ClientInformation> {
    if (!reachesLive(principal)) throw forbidden("A test key cannot register apps: an app acts on live data");
    const name = request.client_name.trim();
    if (name === "") throw badMetadata("client_name must not be empty");
    if (request.redirect_uris.length === 0 || request.redirect_uris.length > MAX_REDIRECT_URIS) {
      throw new OAuthError("invalid_redirect_uri", `redirect_uris: between 1 and ${MAX_REDIRECT_URIS} URIs`);
    }
    const uris = [...new Set(request.redirect_uris.map(requireRegistrableRedirect))];
    const method = request.token_endpoint_auth_method ?? "client_secret_basic";
    const id = newId();
    const secret = method === "none" ? undefined : issueToken("ocs", id);
    const row = {
      id,
      account_id: principal.accountId,
      name,
      redirect_uris: JSON.stringify(uris),
      auth_method: method,
      secret_hash: secret ? await hashSecret(secret.secret) : null,
      created_at: this.now(),
    };
    await this.metadata.write((tx) => tx.oauthClients.insert(row));
    return information({ ...row, secret_rotated_at: null }, secret?.text);
  }

  async list(principal: Principal): Promise<ClientInformation[]> {
    if (!reachesLive(principal)) return [];
    const grants = await this.metadata.read.oauthGrants.listByAccount(principal.accountId);
    return (await this.metadata.read.oauthClients.listByAccount(principal.accountId))
      .filter((row) => manages(principal, row.id, grants))
      .map((row) => information(row));
  }

  /** Whether `principal` may see and manage the account's app `id` (see `manages`). */
  async #manages(principal: Principal, id: string): Promise<boolean> {
    return manages(principal, id, await this.metadata.read.oauthGrants.listByAccount(principal.accountId));
  }

  find(id: string): Promise<OAuthClientRow | null> {
    return this.metadata.read.oauthClients.findById(id);
  }

  /** Deletes an app: every authorization, code and token it holds ends with it. */
  async delete(principal: Principal, id: string): Promise<void> {
    if (!(await this.#manages(principal, id))) throw noSuch("OAuth application");
    const deleted = await this.metadata.write((tx) => tx.oauthClients.delete(id, principal.accountId));
    if (!deleted) throw noSuch("OAuth application");
  }

  /** A new secret for a confidential app; the old one stops working at once. */
  async rotateSecret(principal: Principal, id: string): Promise<ClientInformation> {
    const row = await this.find(id);
    if (!row || row.account_id !== principal.accountId || !(await this.#manages(principal, id))) {
      throw noSuch("OAuth application");
    }
    if (row.auth_method === "none")
      throw badRequest("A public application (token_endpoint_auth_method none) has no secret");
    const secret = issueToken("ocs", id);
    const hash = await hashSecret(secret.secret);
    const now = this.now();
    if (!(await this.metadata.write((tx) => tx.oauthClients.replaceSecret(id, principal.accountId, hash, now)))) {
      throw noSuch("OAuth application");
    }
    return information(row, secret.text);
  }

  /**
   * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3):
   * one method per request; a confidential app proves its secret by Basic or in the body; a
   * public app sends only its client_id and is refused if it sends a secret. Throws
   * invalid_client (401) or invalid_request.
   */
  async authenticate(credentials: ClientCredentials): Promise<OAuthClientRow> {
    const { basic, bodyId, bodySecret } = credentials;
    if (basic && bodySecret !== undefined) {
      throw invalidRequest("Use one client authentication method, not Basic and client_secret together");
    }
    if (basic && bodyId !== undefined && bodyId !== basic.id) {
      throw invalidRequest("client_id in the body differs from the one in Authorization");
    }
    const id = basic?.id ?? bodyId;
    const secret = basic?.secret ?? bodySecret;
    if (id === undefined || id === "") throw invalidClient("Client authentication is required");
    const client = await this.find(id);
    if (!client) throw invalidClient("Unknown client");
    if (client.auth_method === "none") {
      if (secret !== undefined) {
        throw invalidClient("This is a public client: it must not send a client secret");
      }
      return client;
    }
    if (secret === undefined || secret === "") {
      throw invalidClient("This client must authenticate with its client secret");
    }
    // RFC 7591 §2: the app chose its method at registration; a secret sent another way is refused.
    if (client.auth_method === "client_secret_basic" && !basic) {
      throw invalidClient("This client authenticates with HTTP Basic (client_secret_basic)");
    }
    if (client.auth_method === "client_secret_post" && basic) {
      throw invalidClient("This client authenticates with client_secret in the form body (client_secret_post)");
    }
    const parsed = parseIssuedToken(secret);
    const valid =
      parsed?.kind === "ocs" &&
      parsed.id === client.id &&
      client.secret_hash !== null &&
      (await verifySecret(client.secret_hash, secretOf(secret)));
    if (!valid) throw invalidClient("Client authentication failed");
    return client;
  }
}
