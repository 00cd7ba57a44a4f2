import { AppError, badRequest, unauthorized } from "../../domain/errors";
import { newId } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import type { Mailer } from "../../lib/mailer";
import { hashSecret, verifySecret } from "../../lib/secrets";
import { issueToken, parseIssuedToken, secretOf } from "../../lib/token-format";
import type { Metadata } from "../../storage/db/metadata";
import type { AccountService } from "./service";
import type { IssuedSession, SessionService } from "./sessions";

export const MAGIC_LINK_TTL_MS = 15 * 60_000;
export const MAGIC_LINK_MESSAGE =
  "If the address can receive mail, a sign-in link is on its way. It works once, for 15 minutes.";

/**
 * The local part of one plain address: RFC 5322 `atext` and `.`, and for RFC 6531 addresses any
 * non-ASCII character but C1 controls. Quotes, comments, `<>`, `,`, `;`, `:`, `[]` and `\` are
 * address syntax a mail library acts on (`x,victim@…` is two recipients), so they are refused.
 */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\u00a0-\uffff-]{1,64}$/;

/**
 * A deliberately plain address check: one `@`, a local part that names one mailbox (no
 * spaces, controls or address syntax), a dotted domain. Security rule: a sign-in link is
 * mailed to exactly the address it was asked for, and only to it.
 */
export function normalizeEmail(text: string): string | null {
  const email = text.trim();
  if (email.length > 254 || !/^[^\s@\x00-\x1f\x7f]{1,64}@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+$/.test(email)) {
    return null;
  }
  const at = email.lastIndexOf("@");
  if (!LOCAL_PART.test(email.slice(0, at))) return null;
  const domain = email.slice(at + 1).toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(domain) && !/^[^\x00-\x7f]/.test(domain)) return null;
  if (domain.startsWith(".") || domain.endsWith(".") || domain.includes("..")) return null;
  return `${email.slice(0, at)}@${domain}`;
}

const MAGIC_LINKS_NEED_PUBLIC_URL = () =>
  new AppError(
    "service_unavailable",
    "Sign-in links cannot be e-mailed until server.public_url is set in config.json (the address people use to reach lightd)",
  );

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Passwordless sign-in by e-mail. Security rules:
 * - the request path is identical for every valid address — no account lookup happens
 *   until the link is followed — so neither the answer nor its timing says whether
 *   the address has an account;
 * - a link is a `lightd_mlk_…` token (lib/token-format); only an argon2id hash of its secret is stored;
 * - a link works once (DELETE … RETURNING picks one winner) and for 15 minutes.
 */
export class MagicLinkService {
  constructor(
    private readonly metadata: Metadata,
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly mailer: () => Mailer,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores a new link for `email` and mails it. Security rule: `origin` is the configured
   * public origin (server.public_url), never one taken from the request; without it no
   * e-mail is sent (503), and the log-only development mode logs just the path.
   */
  async send(email: string, origin: string | null): Promise<void> {
    const mailer = this.mailer();
    if (mailer.delivers && origin === null) throw MAGIC_LINKS_NEED_PUBLIC_URL();
    const issued = issueToken("mlk", newId());
    const created = this.now();
    const link = {
      id: issued.id,
      email,
      secret_hash: await hashSecret(issued.secret),
      created_at: created,
      expires_at: created + MAGIC_LINK_TTL_MS,
    };
    await this.metadata.write((tx) => tx.magicLinks.insert(link));
    const url = `${origin?.replace(/\/+$/, "") ?? ""}/auth/magic-link/verify?token=${issued.text}`;
    try {
      await mailer.send({
        to: email,
        link: url,
        subject: "Your lightd sign-in link",
        text: `Sign in to lightd by opening this link:\n\n${url}\n\nIt works once and expires in 15 minutes. If you did not ask for it, ignore this message.\n`,
        html: `<p>Sign in to lightd:</p><p><a href="${escapeHtml(url)}">Sign in</a></p><p>Or paste this address into your browser:<br>${escapeHtml(url)}</p><p>The link works once and expires in 15 minutes. If you did not ask for it, ignore this message.</p>`,
      });
    } catch (error) {
      await this.#take(issued.id);
      this.logger.error("magic link e-mail not delivered", { error: String(error) });
      throw new AppError("internal", "Email delivery failed");
    }
  }

  /** Redeems a link: one session for the address's account (created on first use). 401 for a bad, used or expired link. */
  async redeem(token: string): Promise<IssuedSession & { actor: string }> {
    const invalid = unauthorized("This sign-in link is invalid, used or expired");
    const parsed = parseIssuedToken(token);
    if (parsed?.kind !== "mlk") throw invalid;
    const { id } = parsed;
    const secret = secretOf(token);
    const row = await this.metadata.read.magicLinks.findById(id);
    if (!row) throw invalid;
    if (row.expires_at <= this.now()) {
      await this.#take(id);
      throw invalid;
    }
    if (!(await verifySecret(row.secret_hash, secret))) throw invalid;
    if (!(await this.#take(id))) throw invalid;
    const account = await this.accounts.accountForEmail(row.email);
    const session = await this.sessions.issue(account.id);
    return { ...session, actor: account.name };
  }

  sweepExpired(): Promise<number> {
    return this.metadata.write((tx) => tx.magicLinks.deleteExpired(this.now()));
  }

  #take(id: string): Promise<boolean> {
    return this.metadata.write((tx) => tx.magicLinks.take(id));
  }
}

/** Throws 400 when the text is not an e-mail address; returns it normalized. */
export function requireEmail(text: string): string {
  const email = normalizeEmail(text);
  if (email === null) throw badRequest("Invalid email address");
  return email;
}
