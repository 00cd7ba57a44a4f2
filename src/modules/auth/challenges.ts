import { randomBytes } from "node:crypto";
import { AppError, badRequest, notFound, unauthorized } from "../../domain/errors";
import { decodeBase64Exact, decodePublicKey, SIGNATURE_BYTES, verifySignature } from "../../lib/ed25519";
import { newId } from "../../lib/ids";
import type { Metadata } from "../../storage/db/metadata";
import type { IssuedSession, SessionService } from "./sessions";

export const CHALLENGE_TTL_MS = 5 * 60_000;

export interface IssuedChallenge {
  challengeId: string;
  nonce: string;
  expiresAt: number;
}

/**
 * Ed25519 challenge login. The client signs the nonce string's UTF-8 bytes (exactly the
 * characters the server returned) with its private key; the server checks the detached
 * signature with the public key stored at registration.
 */
export class ChallengeService {
  constructor(
    private readonly metadata: Metadata,
    private readonly sessions: SessionService,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(actor: string): Promise<IssuedChallenge> {
    const account = await this.metadata.read.accounts.findByName(actor);
    if (!account) throw notFound("Actor");
    if (!account.public_key) throw badRequest("This account has no public key; sign in with a magic link");
    const created = this.now();
    const challenge = {
      id: newId(),
      account_id: account.id,
      nonce: randomBytes(32).toString("base64url"),
      created_at: created,
      expires_at: created + CHALLENGE_TTL_MS,
    };
    await this.metadata.write((tx) => tx.challenges.insert(challenge));
    return { challengeId: challenge.id, nonce: challenge.nonce, expiresAt: challenge.expires_at };
  }

  /**
   * Security rules: a challenge is good for 5 minutes and for one session only. The
   * signature is checked first (so a forged attempt cannot burn the owner's challenge),
   * then `DELETE … RETURNING` picks the single winner among concurrent verifies.
   */
  async verify(challengeId: string, actor: string, signatureText: string): Promise<IssuedSession & { actor: string }> {
    const signature = decodeBase64Exact(signatureText, SIGNATURE_BYTES);
    if (signature === null) throw badRequest("Invalid signature: expected a base64 Ed25519 signature of 64 bytes");
    const { read } = this.metadata;
    const challenge = await read.challenges.findById(challengeId);
    const account = challenge ? await read.accounts.findById(challenge.account_id) : null;
    if (!challenge || !account || account.name.toLowerCase() !== actor.toLowerCase()) {
      throw notFound("Challenge");
    }
    if (challenge.expires_at <= this.now()) {
      await this.#take(challenge.id);
      throw new AppError("not_found", "Challenge expired");
    }
    const publicKey = account.public_key ? decodePublicKey(account.public_key) : null;
    if (publicKey === null || !verifySignature(challenge.nonce, signature, publicKey)) {
      throw unauthorized("Invalid signature");
    }
    if (!(await this.#take(challenge.id))) throw notFound("Challenge");
    const session = await this.sessions.issue(account.id);
    return { ...session, actor: account.name };
  }

  #take(id: string): Promise<boolean> {
    return this.metadata.write((tx) => tx.challenges.take(id));
  }

  /** Removes expired challenges. */
  sweepExpired(): Promise<number> {
    return this.metadata.write((tx) => tx.challenges.deleteExpired(this.now()));
  }
}
