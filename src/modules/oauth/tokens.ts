import { invalidRequest, OAuthError } from "../../domain/errors";
import { newId } from "../../lib/ids";
import { SecretBox } from "../../lib/sealed";
import { hashSecret, sha256Hex } from "../../lib/secrets";
import { issueToken, parseIssuedToken } from "../../lib/token-format";
import type { CredentialRow } from "../../storage/db/credentials";
import type { Metadata } from "../../storage/db/metadata";
import type { OAuthClientRow, OAuthGrantRow } from "../../storage/db/oauth";
import type { Repositories } from "../../storage/db/repositories";
import type { CredentialVerifier } from "../auth/verifier";
import { redirectUrisOf } from "./clients";
import { verifierMatches } from "./pkce";
import { parseScopeParam, scopeText } from "./scopes";

/** Seed 004: access tokens expire after 1 hour. */
export const ACCESS_TOKEN_TTL_MS = 60 * 60_000;
/** A refresh token unused for 30 days expires (each rotation starts a fresh 30 days). */
export const REFRESH_TOKEN_TTL_MS = 30 * 86_400_000;
/** How long after a rotation a duplicate of the same refresh gets the same answer (RFC 9700 §4.14.2). */
export const REFRESH_GRACE_MS = 2_000;

/** How often a duplicate refresh looks for the answer a rotation on another instance is still writing. */
const GRACE_POLL_MS = 25;

/** The key a rotation's answer is sealed under: derived from the rotated refresh token itself. */
const graceBox = (refreshToken: string) => new SecretBox(refreshToken, "oauth refresh rotation answer");

/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface TokenServiceDeps {
  metadata: Metadata;
  verifier: CredentialVerifier;
  now: () => number;
}

const invalidGrant = (description: string) => new OAuthError("invalid_grant", description);

/**
 * The token endpoint's grants (RFC 6749 §4.1.3, §6) and what ends tokens. OAuth access and
 * refresh tokens are lightd credentials (`lightd_oat_…`, `lightd_ort_…`, argon2id at rest)
 * belonging to one grant; the credential verifier gives an access token the power of its
 * account ∩ its scopes ∩ its prefix on every route, as for any other credential.
 */
export class OAuthTokenService {
  /** Answers of rotations in the last REFRESH_GRACE_MS, by the rotated refresh token's id. */
  readonly #recent = new Map<string, { at: number; answer: Promise<TokenResponse> }>();

  readonly #metadata: Metadata;

  constructor(private readonly deps: TokenServiceDeps) {
    this.#metadata = deps.metadata;
  }

  /**
   * authorization_code grant. Security rules: the code works once — a second use is refused
   * and revokes every token the first use issued (RFC 6749 §4.1.2); it is refused when
   * expired, presented by another client, with another redirect_uri, or with a verifier that
   * does not hash to its PKCE challenge. A presented code is spent even when refused, so a
   * verifier cannot be guessed.
   */
  async exchangeCode(client: OAuthClientRow, params: Map<string, string>): Promise<TokenResponse> {
    const code = params.get("code");
    const verifier = params.get("code_verifier");
    if (!code) throw invalidRequest("code is required");
    if (!verifier) throw invalidRequest("code_verifier is required (PKCE)");
    const now = this.deps.now();
    const hash = sha256Hex(code);
    const row = await this.#metadata.write((tx) => tx.oauthCodes.claim(hash, now));
    if (!row) {
      const used = await this.#metadata.write(async (tx) => {
        const found = await tx.oauthCodes.find(hash);
        if (found?.grant_id) await tx.oauthGrants.delete(found.grant_id);
        return found;
      });
      if (!used) throw invalidGrant("Unknown code");
      // A use refused (a wrong verifier, redirect_uri or client) spent the code but issued nothing.
      throw invalidGrant(`The code was already used${used.grant_id ? "; the tokens it issued are revoked" : ""}`);
    }
    if (row.expires_at <= now) throw invalidGrant("The code has expired");
    if (row.client_id !== client.id) throw invalidGrant("The code was issued to another client");
    const redirectUri = params.get("redirect_uri");
    const redirectOk =
      row.redirect_uri === null
        ? redirectUri === undefined || redirectUrisOf(client).includes(redirectUri)
        : redirectUri === row.redirect_uri;
    if (!redirectOk) throw invalidGrant("redirect_uri differs from the authorization request's");
    if (!verifierMatches(verifier, row.code_challenge))
      throw invalidGrant("code_verifier does not match the code_challenge");

    const grant = {
      id: newId(),
      client_id: client.id,
      account_id: row.account_id,
      scopes: row.scopes,
      prefix: row.prefix,
      created_at: now,
    };
    const minted = await this.#mint(client, grant, row.scopes);
    return this.#metadata.write(async (tx) => {
      await tx.oauthGrants.insert(grant);
      await minted.store(tx);
      await tx.oauthCodes.bindGrant(hash, grant.id);
      return minted.response;
    });
  }

  /**
   * refresh_token grant with rotation (RFC 9700 §4.14.2): every use issues a new refresh token
   * and retires the old one. Presenting a retired one revokes the whole grant — its access and
   * refresh tokens — except within REFRESH_GRACE_MS of the rotation, when a concurrent duplicate
   * (two tabs, a retry after a lost answer) gets the same answer. Only refresh tokens are
   * accepted here, and only from the client they were issued to.
   */
  async refresh(client: OAuthClientRow, params: Map<string, string>): Promise<TokenResponse> {
    const token = params.get("refresh_token");
    if (!token) throw invalidRequest("refresh_token is required");
    const parsed = parseIssuedToken(token);
    if (parsed?.kind !== "ort") throw invalidGrant("Not a refresh token");
    const row = await this.deps.verifier.verifyRow(token, "ort", parsed.id).catch(() => null);
    if (!row) throw invalidGrant("The refresh token is invalid, expired or revoked");
    const grant = await this.#grantOf(row);
    if (!grant) throw invalidGrant("The refresh token is revoked");
    if (grant.client_id !== client.id) throw invalidGrant("The refresh token was issued to another client");
    const scope = params.get("scope");
    const scopes = scope === undefined ? grant.scopes : scopeText(parseScopeParam(scope));
    const granted = grant.scopes.split(" ");
    if (scopes.split(" ").some((s) => !granted.includes(s))) {
      throw new OAuthError("invalid_scope", "A refresh can only keep or narrow the granted scopes");
    }

    const now = this.deps.now();
    if (!(await this.#metadata.write((tx) => tx.credentials.claimRotation(row.id, now)))) {
      const recent = this.#recent.get(row.id);
      if (recent && now - recent.at <= REFRESH_GRACE_MS) return recent.answer;
      const earlier = await this.#earlierAnswer(row.id, token);
      if (earlier) return earlier;
      await this.#metadata.write((tx) => tx.oauthGrants.delete(grant.id));
      throw invalidGrant("The refresh token was already used; every token of this authorization is revoked");
    }
    const answer = this.#mint(client, grant, scopes).then((minted) =>
      this.#metadata.write(async (tx) => {
        // A revocation between the claim and now leaves nothing to attach the new tokens to.
        if (!(await tx.oauthGrants.findById(grant.id))) throw invalidGrant("The authorization was revoked");
        await minted.store(tx);
        await tx.oauthGrants.markRefreshed(grant.id, now);
        // For a duplicate of this refresh that reaches another instance within the grace window.
        await tx.credentials.saveRotationAnswer(row.id, graceBox(token).seal(JSON.stringify(minted.response)));
        return minted.response;
      }),
    );
    this.#remember(row.id, now, answer);
    return answer;
  }

  /**
   * The answer of a rotation of `id` made within the grace window, on any instance: read
   * from the metadata and opened with the presented token. A rotation whose answer is
   * still being written is waited for until the window closes.
   */
  async #earlierAnswer(id: string, token: string): Promise<TokenResponse | null> {
    for (;;) {
      const rotation = await this.#metadata.read.credentials.rotationOf(id);
      const rotatedAt = rotation?.rotated_at ?? null;
      if (rotatedAt === null || this.deps.now() - rotatedAt > REFRESH_GRACE_MS) return null;
      if (rotation?.rotation_answer) {
        try {
          return JSON.parse(graceBox(token).open(rotation.rotation_answer)) as TokenResponse;
        } catch {
          return null;
        }
      }
      await Bun.sleep(GRACE_POLL_MS);
    }
  }

  #remember(id: string, at: number, answer: Promise<TokenResponse>): void {
    for (const [key, entry] of this.#recent) if (at - entry.at > REFRESH_GRACE_MS) this.#recent.delete(key);
    this.#recent.set(id, { at, answer });
    answer.catch(() => this.#recent.delete(id));
  }

  /** Mints an access and a refresh token (argon2 outside any unit of work); `store` inserts both in the caller's. */
  async #mint(client: OAuthClientRow, grant: Pick<OAuthGrantRow, "id" | "account_id" | "prefix">, scopes: string) {
    const access = issueToken("oat", newId());
    const refresh = issueToken("ort", newId());
    const [accessHash, refreshHash] = await Promise.all([hashSecret(access.secret), hashSecret(refresh.secret)]);
    const now = this.deps.now();
    const response: TokenResponse = {
      access_token: access.text,
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_TTL_MS / 1000,
      refresh_token: refresh.text,
      scope: scopes,
    };
    const common = {
      account_id: grant.account_id,
      prefix: grant.prefix,
      created_at: now,
      grant_id: grant.id,
      name: client.name,
      scopes,
    };
    const tokens = [
      { id: access.id, kind: "oat", secret_hash: accessHash, expires_at: now + ACCESS_TOKEN_TTL_MS },
      { id: refresh.id, kind: "ort", secret_hash: refreshHash, expires_at: now + REFRESH_TOKEN_TTL_MS },
    ] as const;
    const store = async (tx: Repositories) => {
      for (const token of tokens) await tx.credentials.insert({ ...common, ...token });
    };
    return { response, store };
  }

  async #grantOf(row: CredentialRow): Promise<OAuthGrantRow | null> {
    return row.grant_id === null ? null : this.#metadata.read.oauthGrants.findById(row.grant_id);
  }

  /** The live OAuth token `token` names, if it was issued to `client` (revocation, introspection). */
  async #ownToken(client: OAuthClientRow, token: string): Promise<{ row: CredentialRow; grant: OAuthGrantRow } | null> {
    const parsed = parseIssuedToken(token);
    if (parsed?.kind !== "oat" && parsed?.kind !== "ort") return null;
    const row = await this.deps.verifier.verifyRow(token, parsed.kind, parsed.id).catch(() => null);
    const grant = row && (await this.#grantOf(row));
    return row && grant && grant.client_id === client.id ? { row, grant } : null;
  }

  /**
   * RFC 7009: a refresh token revokes its whole grant, an access token only itself. Unknown,
   * expired or foreign tokens change nothing and are answered the same, so nothing leaks.
   */
  async revoke(client: OAuthClientRow, token: string): Promise<void> {
    const own = await this.#ownToken(client, token);
    if (!own) return;
    await this.#metadata.write(async (tx) => {
      if (own.row.kind === "ort") await tx.oauthGrants.delete(own.grant.id);
      else await tx.credentials.delete(own.row.id);
    });
    this.deps.verifier.forget(token);
  }

  /**
   * RFC 7662 for confidential clients about their own tokens: `{"active": false}` for anything
   * not live (unknown, expired, revoked, rotated, another client's).
   */
  async introspect(
    client: OAuthClientRow,
    token: string,
    actorOf: (accountId: number) => Promise<string>,
    issuer: string,
  ): Promise<Record<string, unknown>> {
    if (client.auth_method === "none")
      throw new OAuthError("invalid_client", "Introspection is for confidential clients");
    const own = await this.#ownToken(client, token);
    if (!own || own.row.rotated_at !== null) return { active: false };
    const { row } = own;
    const actor = await actorOf(row.account_id);
    return {
      active: true,
      scope: row.scopes ?? "",
      client_id: client.id,
      username: actor,
      sub: actor,
      token_type: row.kind === "oat" ? "Bearer" : "refresh_token",
      exp: row.expires_at === null ? undefined : Math.floor(row.expires_at / 1000),
      iat: Math.floor(row.created_at / 1000),
      iss: issuer,
    };
  }

  /** Removes spent codes, grants no token is left of, and rotation answers past the grace window. */
  sweepExpired(): Promise<number> {
    const now = this.deps.now();
    const before = now - 60 * 60_000;
    return this.#metadata.write(
      async (tx) =>
        (await tx.oauthCodes.deleteExpired(before)) +
        (await tx.oauthGrants.deleteEmpty(before)) +
        (await tx.credentials.forgetRotationAnswers(now - REFRESH_GRACE_MS)),
    );
  }
}
