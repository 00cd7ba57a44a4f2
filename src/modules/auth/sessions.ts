import { AppError } from "../../errors";
import { parseIssuedToken } from "../../lib/token-format";
import type { CredentialRepository } from "../../storage/db/credentials";
import { issueCredential } from "./issue";
import type { CredentialVerifier } from "./verifier";

export interface IssuedSession {
  token: string;
  expiresAt: number;
}

/** Login sessions: credentials of kind `ses` with the full power of their account. */
export class SessionService {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly verifier: CredentialVerifier,
    private readonly ttlMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(accountId: number): Promise<IssuedSession> {
    const created = this.now();
    const expiresAt = created + this.ttlMs();
    const issued = await issueCredential(this.credentials, {
      kind: "ses",
      account_id: accountId,
      name: "session",
      created_at: created,
      expires_at: expiresAt,
    });
    return { token: issued.text, expiresAt };
  }

  /**
   * Ends the session `token` names. Security rule: the secret is verified first (the id
   * inside a token is public), and the row is deleted, so the very next request with
   * it is 401. Throws 401 for a token that is not a live session.
   */
  async logout(token: string | null): Promise<void> {
    const parsed = token === null ? null : parseIssuedToken(token);
    if (token === null || parsed === null) throw new AppError("unauthorized", "Missing or invalid authorization token");
    if (parsed.kind !== "ses") {
      throw new AppError(
        "bad_request",
        "Only a session can be logged out; revoke API keys with DELETE /auth/keys/{id}",
      );
    }
    await this.verifier.verifyRow(token, "ses", parsed.id);
    this.credentials.delete(parsed.id);
    this.verifier.forget(token);
  }
}
