import { AUTH_MESSAGES, badRequest, unauthorized } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import { parseIssuedToken } from "../../lib/token-format";
import type { CredentialRow } from "../../storage/db/credentials";
import type { Metadata } from "../../storage/db/metadata";
import { issueCredential } from "./issue";
import { type CredentialVerifier, SIGN_IN_SESSION, SPENT_TOKEN_SESSION } from "./verifier";

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

/** Login sessions: credentials of kind `ses` with the full power of their account. */
export class SessionService {
  constructor(
    private readonly metadata: Metadata,
    private readonly verifier: CredentialVerifier,
    private readonly ttlMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(accountId: number): Promise<IssuedSession> {
    const created = this.now();
    const expiresAt = created + this.ttlMs();
    const issued = await issueCredential(this.metadata, {
      kind: "ses",
      account_id: accountId,
      name: SIGN_IN_SESSION,
      created_at: created,
      expires_at: expiresAt,
    });
    return { token: issued.text, expiresAt };
  }

  /**
   * Opens a browser session for the credential just presented (a pasted token, key or
   * session), so the browser keeps only an HttpOnly cookie, never the pasted secret.
   * Security rules: the session has exactly the presented credential's power (scopes and
   * prefix; a master-token session acts as the master token until that token changes), it
   * never outlives the credential, a presented session is ended (exchanged, not copied),
   * and test keys are refused, since a session always sees the live space.
   */
  async openFor(principal: Principal, presented: string): Promise<IssuedSession> {
    if (principal.space === "test") {
      throw badRequest("A test key cannot open a dashboard session: it sees a separate, empty space. Use a live key.");
    }
    const created = this.now();
    // The session is the presented credential exchanged, so it ends when that credential does:
    // its expiry is the principal's, known even when a single-use token's row is gone.
    const expiresAt = Math.min(created + this.ttlMs(), principal.expiresAt ?? Number.POSITIVE_INFINITY);
    const source =
      principal.credentialId === null ? null : await this.metadata.read.credentials.findById(principal.credentialId);
    const master = principal.source === "master";
    // Exchanged, not copied: the presented session is ended before its successor exists, and
    // of concurrent exchanges only the one whose DELETE took the row gets a session.
    if (principal.source === "session" && principal.credentialId !== null) {
      const ended = principal.credentialId;
      const took = await this.metadata.write((tx) => tx.credentials.delete(ended));
      this.verifier.forget(presented);
      if (!took) throw unauthorized(AUTH_MESSAGES.invalid);
    }
    const issued = await issueCredential(this.metadata, {
      kind: "ses",
      account_id: principal.accountId,
      name: master ? this.verifier.masterSessionName() : this.#nameFor(principal, source),
      scopes: master ? null : [...principal.scopes].join(" "),
      prefix: principal.prefix,
      created_at: created,
      expires_at: expiresAt,
    });
    return { token: issued.text, expiresAt };
  }

  /**
   * A session opened with a lasting key or token is tied to it (see `CredentialVerifier`): it
   * ends when that credential is revoked, rotated or expires. An exchanged session keeps the
   * name of the one it replaces (its tie, or that it is the person's own sign-in); a single-use
   * token is gone by design, so nothing ties to it, and its session is no sign-in of the person.
   */
  #nameFor(principal: Principal, source: CredentialRow | null): string {
    if (principal.source === "session" && source !== null) return source.name;
    if (source === null || source.remove_on_use === 1) return SPENT_TOKEN_SESSION;
    return this.verifier.tiedSessionName(source);
  }

  /**
   * Ends the session `token` names. Security rule: the secret is verified first (the id
   * inside a token is public), and the row is deleted, so the very next request with
   * it is 401. Throws 401 for a token that is not a live session.
   */
  async logout(token: string | null): Promise<void> {
    const parsed = token === null ? null : parseIssuedToken(token);
    if (token === null) throw unauthorized(AUTH_MESSAGES.missing);
    if (parsed === null) {
      // The master token is no session: say how it changes instead of calling it invalid.
      let master = false;
      try {
        master = (await this.verifier.authenticate(token)).source === "master";
      } catch {}
      if (master)
        throw badRequest("Only a session can be logged out; change the master token with 'lightd --token reset'");
      throw unauthorized(AUTH_MESSAGES.missing);
    }
    if (parsed.kind !== "ses") {
      throw badRequest("Only a session can be logged out; revoke API keys with DELETE /auth/keys/{id}");
    }
    await this.verifier.verifyRow(token, "ses", parsed.id);
    await this.metadata.write((tx) => tx.credentials.delete(parsed.id));
    this.verifier.forget(token);
  }
}
