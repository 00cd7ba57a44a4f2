import type { Database } from "bun:sqlite";
import type { ConfigStore } from "../../config";
import { RateLimits } from "../../http/rate-limit";
import type { Logger } from "../../lib/logger";
import { logMailer, type Mailer, smtpMailer } from "../../lib/mailer";
import { AccountRepository } from "../../storage/db/accounts";
import { ApiKeyRepository } from "../../storage/db/api-keys";
import { ChallengeRepository } from "../../storage/db/challenges";
import type { CredentialRepository } from "../../storage/db/credentials";
import { InviteRepository } from "../../storage/db/invites";
import { MagicLinkRepository } from "../../storage/db/magic-links";
import { AdminService, type DeleteObjects } from "../admin/service";
import type { Quotas } from "../files/quota";
import { ApiKeyService } from "../keys/service";
import { ChallengeService } from "./challenges";
import { InviteService } from "./invites";
import { MagicLinkService } from "./magic-link";
import { AccountService } from "./service";
import { SessionService } from "./sessions";
import type { CredentialVerifier } from "./verifier";

/** Accounts, logins, API keys, account administration and rate limits, built once per context. */
export interface AuthServices {
  accountRepo: AccountRepository;
  accounts: AccountService;
  invites: InviteService;
  sessions: SessionService;
  challenges: ChallengeService;
  magicLinks: MagicLinkService;
  keys: ApiKeyService;
  admin: AdminService;
  limits: RateLimits;
  /** Removes expired challenges and magic links. */
  sweepExpired(): number;
}

export function createAuthServices(options: {
  db: Database;
  credentials: CredentialRepository;
  verifier: CredentialVerifier;
  config: ConfigStore;
  logger: Logger;
  now: () => number;
  /** Deletes the stored bytes of a deleted account (queued for reclaim with the deletion). */
  deleteObjects: DeleteObjects;
  /** Storage quotas, which the admin sets per account. */
  quotas: Quotas;
}): AuthServices {
  const { db, credentials, verifier, config, logger, now, deleteObjects, quotas } = options;
  const accountRepo = new AccountRepository(db);
  const challengeRepo = new ChallengeRepository(db);
  const invites = new InviteService(new InviteRepository(db), now);
  const accounts = new AccountService(accountRepo, now, () => config.current.accounts, invites);
  const sessions = new SessionService(credentials, verifier, () => config.current.sessions.ttl_seconds * 1000, now);

  let smtp: { key: string; mailer: Mailer } | null = null;
  const noSmtp = logMailer((m) =>
    logger.warn(
      m.link.startsWith("/")
        ? "no SMTP configured: magic link written to the log; server.public_url is not set, so it is only a path — set server.public_url to get a full link"
        : "no SMTP configured: magic link written to the log instead of e-mailed",
      { to: m.to, link: m.link },
    ),
  );
  const mailer = (): Mailer => {
    const settings = config.current.smtp;
    if (!settings.host) return noSmtp;
    const key = JSON.stringify(settings);
    if (smtp?.key !== key) smtp = { key, mailer: smtpMailer({ ...settings, host: settings.host }) };
    return smtp.mailer;
  };

  const services: AuthServices = {
    accountRepo,
    accounts,
    invites,
    sessions,
    challenges: new ChallengeService(accountRepo, challengeRepo, sessions, now),
    magicLinks: new MagicLinkService(new MagicLinkRepository(db), accounts, sessions, mailer, logger, now),
    keys: new ApiKeyService(credentials, new ApiKeyRepository(db), verifier, now),
    admin: new AdminService(accountRepo, accounts, deleteObjects, logger, now, quotas),
    limits: new RateLimits(() => config.current, now),
    sweepExpired: () => challengeRepo.deleteExpired(now()) + services.magicLinks.sweepExpired(),
  };
  return services;
}
