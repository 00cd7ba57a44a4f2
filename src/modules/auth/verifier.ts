import { randomBytes, timingSafeEqual } from "node:crypto";
import { AUTH_MESSAGES, unauthorized } from "../../domain/errors";
import { powerOf } from "../../domain/power";
import { ADMIN_ACCOUNT_ID, ADMIN_ACTOR, type Authenticator, type Principal, SCOPES } from "../../domain/principal";
import { type Awaitable, andThen } from "../../lib/awaitable";
import { LruMap } from "../../lib/lru";
import { sha256, sha256Hex, verifySecret } from "../../lib/secrets";
import {
  type CredentialKind,
  isCredentialKind,
  isWellFormedToken,
  parseIssuedToken,
  secretOf,
} from "../../lib/token-format";
import type { CredentialAuthRow, CredentialRow } from "../../storage/db/credentials";
import type { HookCreator } from "../../storage/db/hooks";
import type { Metadata } from "../../storage/db/metadata";

export interface VerifierOptions {
  /** Returns the current master-token settings (re-read when config.json changes). */
  master: () => { enabled: boolean; token: string };
  now?: () => number;
  cacheSize?: number;
}

const SOURCE_BY_KIND: Record<CredentialKind, Principal["source"]> = {
  tok: "token",
  ses: "session",
  live: "key",
  test: "key",
  oat: "oauth",
  ort: "oauth",
};

/** Sessions opened with the master token are named after a digest of it (see `masterSessionName`). */
const MASTER_SESSION = "master:";
/** Sessions opened with a key or token are named after it (see `tiedSessionName`). */
const TIED_SESSION = "via:";
/** The name of a session a person opens by signing in (an Ed25519 signature, a magic link): their own sign-in. */
export const SIGN_IN_SESSION = "session";
/** The name of a session opened with a single-use token: tied to nothing (the token is spent), and not a sign-in. */
export const SPENT_TOKEN_SESSION = "single-use";

/** What the verified cache remembers about a token (keyed by its SHA-256): never the secret. */
interface VerifiedEntry {
  id: string;
  kind: CredentialKind;
  /** The argon2 hash the token matched; a rotated secret changes it and misses. */
  secretHash: string;
  removeOnUse: boolean;
  principal: Principal | null;
  scopes?: string | null;
}

const MASTER_PRINCIPAL: Principal = Object.freeze({
  accountId: ADMIN_ACCOUNT_ID,
  actor: ADMIN_ACTOR,
  source: "master",
  credentialId: null,
  space: "live",
  scopes: new Set(SCOPES),
  prefix: "",
  ownSignIn: true,
  expiresAt: null,
});

/**
 * Turns a presented token into a Principal.
 *
 * Security rules enforced here:
 * - the master token is compared in constant time;
 * - other tokens are found by their public id and checked with argon2id once; the
 *   result is cached by SHA-256 of the token, but the row is read on every call, so
 *   revocation, rotation and expiry take effect on the very next request;
 * - an expired credential is refused at once ("Token expired"), sweep or not;
 * - a single-use credential authenticates exactly once, even under concurrency
 *   (the DELETE … RETURNING decides the one winner).
 */
export class CredentialVerifier implements Authenticator {
  readonly #verified: LruMap<string, VerifiedEntry>;
  readonly #now: () => number;
  readonly #usage = new Map<string, { count: number; lastUsedAt: number }>();
  /** Tokens that are not for authenticating requests (OAuth refresh tokens). */
  readonly #notBearer = new Set<CredentialKind>(["ort"]);
  #argon2Verifications = 0;
  /** SHA-256 of the current master token, recomputed only when config.json changes it. */
  #master = { token: "", digest: sha256("") };

  constructor(
    private readonly metadata: Metadata,
    private readonly options: VerifierOptions,
  ) {
    this.#verified = new LruMap(options.cacheSize ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Authenticates a raw token (null when none was presented). Throws 401 AppError. The
   * master token and a token verified before answer at once when the credential row does
   * (SQLite); anything else (argon2, a single-use consume) answers with a promise.
   */
  authenticate(token: string | null): Awaitable<Principal> {
    if (token === null || !isWellFormedToken(token)) throw unauthorized(AUTH_MESSAGES.missing);
    // One SHA-256 of the token serves both the constant-time master comparison (two
    // fixed-length digests, as secretsEqual does) and the verified-cache key.
    const digest = sha256(token);
    if (timingSafeEqual(digest, this.#masterDigest())) return this.masterPrincipal();

    const cacheKey = digest.toString("hex");
    // Steady state: a token verified before needs no parse and no argon2, only its row.
    const known = this.#verified.get(cacheKey);
    // A refresh token is never a bearer credential, even once the token endpoint has verified it.
    if (known && !known.removeOnUse && !this.#notBearer.has(known.kind)) {
      return andThen(this.metadata.read.credentials.findForAuth(known.id), (row) => {
        if (!row || row.kind !== known.kind || row.secret_hash !== known.secretHash) {
          return this.#verifyToken(token, cacheKey);
        }
        if (row.expires_at !== null && row.expires_at <= this.#now()) throw unauthorized(AUTH_MESSAGES.expired);
        this.#recordUse(row.id);
        return this.#principalFor(row, known);
      });
    }
    return this.#verifyToken(token, cacheKey);
  }

  /** A token not verified before (or whose secret changed): its row, argon2, a single-use consume. */
  async #verifyToken(token: string, cacheKey: string): Promise<Principal> {
    const parsed = parseIssuedToken(token);
    if (!parsed || !isCredentialKind(parsed.kind) || this.#notBearer.has(parsed.kind)) {
      throw unauthorized(AUTH_MESSAGES.invalid);
    }
    const row = await this.#verifyRow(token, cacheKey, parsed.kind, parsed.id);
    if (row.remove_on_use && !(await this.metadata.write((tx) => tx.credentials.consume(row.id)))) {
      throw unauthorized(AUTH_MESSAGES.invalid);
    }
    if (row.remove_on_use) this.#verified.delete(cacheKey);
    this.#recordUse(row.id);
    return this.#principalFor(row, this.#verified.get(cacheKey));
  }

  /**
   * Checks a token of the given kind without side effects (no single-use consume, no usage count).
   * Returns the credential row; throws 401 for unknown, wrong or expired tokens.
   */
  verifyRow(token: string, kind: CredentialKind, id: string): Promise<CredentialRow> {
    return this.#verifyRow(token, sha256Hex(token), kind, id);
  }

  async #verifyRow(token: string, cacheKey: string, kind: CredentialKind, id: string): Promise<CredentialRow> {
    const row = await this.metadata.read.credentials.findById(id);
    if (!row || row.kind !== kind) {
      this.#verified.delete(cacheKey);
      throw unauthorized(AUTH_MESSAGES.invalid);
    }
    if (row.expires_at !== null && row.expires_at <= this.#now()) throw unauthorized(AUTH_MESSAGES.expired);
    // The cache remembers which hash this token matched: a rotated secret changes the hash and misses.
    if (this.#verified.get(cacheKey)?.secretHash !== row.secret_hash) {
      const secret = secretOf(token);
      this.#argon2Verifications++;
      if (!(await verifySecret(row.secret_hash, secret))) throw unauthorized(AUTH_MESSAGES.invalid);
      this.#verified.set(cacheKey, {
        id: row.id,
        kind: row.kind,
        secretHash: row.secret_hash,
        removeOnUse: row.remove_on_use === 1,
        principal: null,
      });
    }
    return row;
  }

  #masterDigest(): Buffer {
    const token = this.options.master().token;
    if (this.#master.token !== token) this.#master = { token, digest: sha256(token) };
    return this.#master.digest;
  }

  /** How many times argon2 ran; tests and benchmarks use it to prove the steady state never does. */
  get argon2Verifications(): number {
    return this.#argon2Verifications;
  }

  /**
   * The name a session opened with the master token carries. Security rule: it embeds a
   * salted digest of the master token it was opened with, so `--token reset|set` ends every
   * such session at the same moment the old token stops working (and the database never
   * holds a plain digest of the master token to guess against).
   */
  masterSessionName(salt: string = randomBytes(8).toString("hex")): string {
    const digest = sha256Hex(`${salt}:${this.options.master().token}`).slice(0, 32);
    return `${MASTER_SESSION}${salt}:${digest}`;
  }

  /**
   * The name of a session opened with `parent` (an API key or token). Security rule: such a
   * session lives only while its parent does — revoking, rotating (a new secret hash) or the
   * expiry of the key ends it on its next request, as it ends the key itself.
   */
  tiedSessionName(parent: Pick<CredentialRow, "id" | "secret_hash">): string {
    return `${TIED_SESSION}${parent.id}:${parent.secret_hash.slice(-16)}`;
  }

  /** The key or token a tied session's name points at, and the mark of its secret then. */
  #tieOf(name: string): { id: string; mark: string } {
    const [id = "", mark = ""] = name.slice(TIED_SESSION.length).split(":");
    return { id, mark };
  }

  async #requireTie(name: string): Promise<void> {
    const { id, mark } = this.#tieOf(name);
    const parent = await this.metadata.read.credentials.findForAuth(id);
    if (!parent || parent.secret_hash.slice(-16) !== mark) throw unauthorized(AUTH_MESSAGES.invalid);
    if (parent.expires_at !== null && parent.expires_at <= this.#now()) throw unauthorized(AUTH_MESSAGES.expired);
  }

  /** A master-token session acts as the master token itself, while the master token is unchanged. */
  #masterSession(row: CredentialAuthRow): Principal {
    const salt = row.name.slice(MASTER_SESSION.length).split(":")[0] ?? "";
    const expected = Buffer.from(this.masterSessionName(salt));
    const actual = Buffer.from(row.name);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw unauthorized(AUTH_MESSAGES.invalid);
    }
    return Object.freeze({ ...MASTER_PRINCIPAL, credentialId: row.id, expiresAt: row.expires_at });
  }

  /** The master token's principal; one shared, frozen object. */
  masterPrincipal(): Principal {
    return MASTER_PRINCIPAL;
  }

  /**
   * For a token that has just authenticated: a check, free of side effects, that tells later
   * whether it still would — the same credential row and secret, not expired, the master
   * token unchanged, auth still off for an anonymous caller. Long-lived connections (the
   * change feed) run it on a timer, so revocation, rotation, expiry and a master-token reset
   * close them. A single-use token has been consumed by then, so its check fails at once.
   */
  validityCheck(token: string | null): () => Promise<boolean> {
    const authOff = async () => !this.options.master().enabled;
    if (token === null || !isWellFormedToken(token)) return authOff;
    const digest = sha256(token);
    if (timingSafeEqual(digest, this.#masterDigest())) return async () => timingSafeEqual(digest, this.#masterDigest());
    const entry = this.#verified.get(digest.toString("hex"));
    if (!entry || entry.removeOnUse) return authOff;
    const { id, kind, secretHash } = entry;
    return async () => {
      const row = await this.metadata.read.credentials.findForAuth(id);
      if (!row || row.kind !== kind || row.secret_hash !== secretHash) return authOff();
      return row.expires_at === null || row.expires_at > this.#now();
    };
  }

  /**
   * Security rule "a hook sees what its creator may read, and only while its creator may":
   * what a principal's lasting creations (webhooks) live as long as. An API key or programmatic
   * token is itself; a session opened with one is that key or token (its tie); an OAuth access
   * token is the app's authorization (its grant), which outlives each token it refreshes. The
   * master token, a session opened with it, a person's own session and a single-use token (gone
   * by design once used, as a session opened with it is untied) name neither: the account.
   */
  async creatorOf(principal: Principal): Promise<HookCreator> {
    const account: HookCreator = { credential_id: null, grant_id: null };
    if (principal.source === "master" || principal.credentialId === null) return account;
    let row = await this.metadata.read.credentials.findById(principal.credentialId);
    if (row?.kind === "ses") {
      if (!row.name.startsWith(TIED_SESSION)) return account;
      row = await this.metadata.read.credentials.findById(this.#tieOf(row.name).id);
    }
    if (!row) {
      // Only a single-use programmatic token is gone by the time its one request runs.
      if (principal.source === "token") return account;
      throw unauthorized(AUTH_MESSAGES.invalid);
    }
    return row.grant_id === null
      ? { credential_id: row.id, grant_id: null }
      : { credential_id: null, grant_id: row.grant_id };
  }

  /**
   * Whether what `creatorOf` named still stands. Revocation and the expiry sweep delete the
   * rows (and the hooks with them); this also catches, before the sweep, a key past its expiry
   * and an app authorization whose every token has expired (it lapsed: the app cannot act).
   */
  async creatorLives(creator: HookCreator): Promise<boolean> {
    if (creator.credential_id !== null) {
      const row = await this.metadata.read.credentials.findForAuth(creator.credential_id);
      if (!row || (row.expires_at !== null && row.expires_at <= this.#now())) return false;
    }
    if (creator.grant_id !== null)
      return this.metadata.read.credentials.grantHasLiveToken(creator.grant_id, this.#now());
    return true;
  }

  /** Forget a cached verification (after logout, revocation or rotation). */
  forget(token: string): void {
    this.#verified.delete(sha256Hex(token));
  }

  /**
   * The principal a credential row grants. It is built once per verified token and reused
   * while the row's scopes and prefix stay the same (account names never change).
   */
  #principalFor(row: CredentialAuthRow, entry?: VerifiedEntry): Awaitable<Principal> {
    if (row.kind === "ses" && row.name.startsWith(MASTER_SESSION)) return this.#masterSession(row);
    if (row.kind === "ses" && row.name.startsWith(TIED_SESSION)) {
      return this.#requireTie(row.name).then(() => this.#grantOf(row, entry));
    }
    return this.#grantOf(row, entry);
  }

  #grantOf(row: CredentialAuthRow, entry?: VerifiedEntry): Awaitable<Principal> {
    const cached = entry?.principal;
    if (
      cached &&
      entry.scopes === row.scopes &&
      cached.prefix === row.prefix &&
      cached.accountId === row.account_id &&
      cached.expiresAt === row.expires_at
    ) {
      return cached;
    }
    return this.metadata.read.accounts.nameOf(row.account_id).then((actor) => {
      const principal: Principal = Object.freeze({
        accountId: row.account_id,
        actor: actor ?? "",
        source: SOURCE_BY_KIND[row.kind],
        credentialId: row.id,
        ...powerOf(row),
        // Security rule "only the person lets an app in" (see `requireAccess`): a session is the
        // person's own sign-in only when they opened it by signing in (or with the master token).
        ownSignIn: row.kind === "ses" && row.name === SIGN_IN_SESSION,
        // Read before a single-use token is consumed, so what it opens or makes can still be held to it.
        expiresAt: row.expires_at,
      });
      if (entry) {
        entry.principal = principal;
        entry.scopes = row.scopes;
      }
      return principal;
    });
  }

  #recordUse(id: string): void {
    const entry = this.#usage.get(id);
    const now = this.#now();
    if (entry) {
      entry.count++;
      entry.lastUsedAt = now;
    } else this.#usage.set(id, { count: 1, lastUsedAt: now });
  }

  /** Writes the batched last_used_at/use_count counters; called on a timer and at shutdown. */
  async flushUsage(): Promise<void> {
    if (this.#usage.size === 0) return;
    const batch = [...this.#usage];
    this.#usage.clear();
    await this.metadata.write((tx) => tx.credentials.recordUsage(batch));
  }
}
