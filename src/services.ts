import { mkdirSync } from "node:fs";
import pkg from "../package.json";
import { type ConfigStore, configuredOrigin } from "./config";
import type { Logger } from "./lib/logger";
import { logMailer, type Mailer, smtpMailer } from "./lib/mailer";
import { SecretBox } from "./lib/sealed";
import { UrlSigner } from "./lib/url-signer";
import { AdminService } from "./modules/admin/service";
import { ChallengeService } from "./modules/auth/challenges";
import { InviteService } from "./modules/auth/invites";
import { MagicLinkService } from "./modules/auth/magic-link";
import { AccountService } from "./modules/auth/service";
import { SessionService } from "./modules/auth/sessions";
import { CredentialVerifier } from "./modules/auth/verifier";
import { createBackupService } from "./modules/backups/wiring";
import { BlobGateway } from "./modules/blobs/service";
import { blobUrlBuilder } from "./modules/blobs/urls";
import { LockService } from "./modules/dav/locks";
import { DavService } from "./modules/dav/service";
import { ChangeHub } from "./modules/feed/hub";
import { FeedService } from "./modules/feed/service";
import { Quotas } from "./modules/files/quota";
import { Reclaimer } from "./modules/files/reclaim";
import { Retention, VersionPruner } from "./modules/files/retention";
import { FileService } from "./modules/files/service";
import { TreeWrites } from "./modules/files/tree";
import { VersionService } from "./modules/files/versions";
import { HookDispatcher } from "./modules/hooks/dispatcher";
import { HookService } from "./modules/hooks/service";
import { ApiKeyService } from "./modules/keys/service";
import { OAuthService } from "./modules/oauth/service";
import { ShareService } from "./modules/shares/service";
import { TokenService } from "./modules/tokens/service";
import { UploadService } from "./modules/uploads/service";
import { createBlobBackend } from "./storage/blob/factory";
import type { Coordination } from "./storage/db/coordination";
import { embeddedMetadataPath } from "./storage/db/engine";
import type { Metadata } from "./storage/db/metadata";
import { openSqliteMetadata } from "./storage/db/sqlite";

export interface ServiceOptions {
  config: ConfigStore;
  dataDir: string;
  logger: Logger;
  now?: () => number;
  /**
   * The metadata engine, opened by the caller (`lightd serve` opens the one config.json names,
   * storage/db/engine.ts); without it, the embedded SQLite file in `dataDir`.
   */
  metadata?: Metadata;
  /** What the instances of a deployment share besides rows (Postgres); without it, this process is the only instance. */
  coordination?: Coordination;
}

/** What `buildServices` hands its owner (the server, tests, tools): the services and the metadata engine under them. */
export type BuiltServices = ReturnType<typeof buildServices>;

/**
 * Every service the front doors (REST, WebDAV, the feed, the dashboard) and the background
 * jobs use. Doors reach data only through these: the database is not part of it.
 */
export type Services = Omit<BuiltServices, "metadata">;

/** The one composition root: the metadata engine, the blob store and every service, built once. */
export function buildServices(options: ServiceOptions) {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  // The data dir also holds S3 upload spools and backup scratch files, whichever engine keeps the metadata.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const metadata: Metadata = options.metadata ?? openSqliteMetadata(embeddedMetadataPath(options.dataDir));
  const verifier = new CredentialVerifier(metadata, { master: () => config.current.authorization, now });
  const signer = new UrlSigner(config.current.signing_secret, now);
  const quotas = new Quotas(metadata);
  const storage = createBlobBackend(config.current, options.dataDir, blobUrlBuilder(signer));
  const blobs = storage.store;
  // Every committed event, from any writer, reaches the hub: it publishes to the feed and webhooks.
  const hub = new ChangeHub(metadata, logger);
  const reclaimer = new Reclaimer(metadata, blobs, logger, now);
  const retention = new Retention(() => config.current.versions);
  const tree = new TreeWrites(metadata, quotas, retention, new VersionPruner(now));
  const files = new FileService(metadata, quotas, tree, blobs, reclaimer, logger, now);
  const uploads = new UploadService(metadata, files, blobs, logger, now, () => config.current.server.max_upload_bytes);
  const hookSecrets = new SecretBox(config.current.signing_secret, "webhooks");
  const allowPrivate = () => config.current.webhooks.allow_private;

  const invites = new InviteService(metadata, now);
  const accounts = new AccountService(metadata, now, () => config.current.accounts, invites);
  const sessions = new SessionService(metadata, verifier, () => config.current.sessions.ttl_seconds * 1000, now);

  return {
    config,
    dataDir: options.dataDir,
    logger,
    now,
    metadata,
    /** Turns a presented token into a Principal (every door authenticates through it). */
    verifier,
    tokens: new TokenService(metadata, now),
    keys: new ApiKeyService(metadata, verifier, now),
    accounts,
    invites,
    sessions,
    challenges: new ChallengeService(metadata, sessions, now),
    magicLinks: new MagicLinkService(metadata, accounts, sessions, configuredMailer(config, logger), logger, now),
    // A deleted account's bytes were queued with the deletion; reclaim them now.
    admin: new AdminService(metadata, accounts, (keys) => reclaimer.drain(keys).then(() => {}), logger, now, quotas),
    /** The bytes of stored files (local disk or S3). */
    blobs,
    /** The byte store with its optional capabilities (local files for sendfile, a start-up check). */
    storage,
    /** Serves the URLs lightd signs for the bytes (/blobs). */
    blobGateway: new BlobGateway(blobs, signer, (key, declared, max) => uploads.reserveForObject(key, declared, max)),
    files,
    /** File history: versions, the trash, restores and retention. */
    versions: new VersionService(tree, reclaimer, now),
    uploads,
    shares: new ShareService(metadata, files, config.current.signing_secret, now, (p) => verifier.creatorOf(p)),
    /** Publishes committed events to the live feed and webhooks. */
    hub,
    feed: new FeedService(hub, files, () => config.current.feed, logger),
    hooks: new HookService(metadata, files, hookSecrets, allowPrivate, (p) => verifier.creatorOf(p), now),
    /** Delivers webhook events (a background job). */
    hookDelivery: new HookDispatcher(metadata, hub, hookSecrets, {
      allowPrivate,
      creatorLives: (creator) => verifier.creatorLives(creator),
      logger,
      userAgent: "lightd-webhooks",
      now,
    }),
    /** WebDAV's dead properties and locks, beside the same file service. */
    dav: new DavService(files, new LockService(metadata, now), storage, metadata, logger, now),
    /** The OAuth 2.0 authorization server: apps, codes, grants and their tokens. */
    oauth: new OAuthService({
      metadata,
      verifier,
      publicOrigin: () => configuredOrigin(config.current.server),
      actorOf: async (accountId) => (await metadata.read.accounts.nameOf(accountId)) ?? "",
      now,
    }),
    /** Deletes unreferenced stored bytes: the reclaim queue and the garbage collector. */
    reclaimer,
    /**
     * Rate-limit buckets and one-at-a-time jobs shared with the other instances of the
     * deployment (Postgres); absent when this process is the only instance.
     */
    coordination: options.coordination,
    /** Group commit: resolves once every metadata commit made so far survives a power loss. */
    durable: () => metadata.durable(),
    /** Backup archives: on demand, scheduled, listed. */
    backups: createBackupService({
      metadata,
      blobs,
      config: () => config.current,
      configPath: config.path,
      dataDir: options.dataDir,
      logger,
      version: pkg.version,
      now,
    }),
    /** Writes the batched usage counters, then closes the metadata and the byte store. */
    async close(): Promise<void> {
      await verifier.flushUsage();
      metadata.close();
      await blobs.close?.();
    },
  };
}

/** The SMTP mailer of the current config (rebuilt when its settings change), or the log when none is set. */
function configuredMailer(config: ConfigStore, logger: Logger): () => Mailer {
  let smtp: { key: string; mailer: Mailer } | null = null;
  const noSmtp = logMailer((m) =>
    logger.warn(
      m.link.startsWith("/")
        ? "no SMTP configured: magic link written to the log; server.public_url is not set, so it is only a path — set server.public_url to get a full link"
        : "no SMTP configured: magic link written to the log instead of e-mailed",
      { to: m.to, link: m.link },
    ),
  );
  return () => {
    const settings = config.current.smtp;
    if (!settings.host) return noSmtp;
    const key = JSON.stringify(settings);
    if (smtp?.key !== key) smtp = { key, mailer: smtpMailer({ ...settings, host: settings.host }) };
    return smtp.mailer;
  };
}
