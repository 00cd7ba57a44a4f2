import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unwatchFile,
  watchFile,
  writeSync,
} from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { type Static, Type as T, type TProperties } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { randomBase62 } from "./lib/ids";
import { isWellFormedToken, MIN_TOKEN_LENGTH } from "./lib/token-format";
import { parseTtl } from "./lib/ttl";
import { unknownKeys } from "./lib/unknown-keys";

const Token = T.String({
  minLength: MIN_TOKEN_LENGTH,
  pattern: "^lightd_[\\x21-\\x7e]+$",
});
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 ** 3;
export const DEFAULT_QUOTA_BYTES = 10 * 1024 ** 3;
export const DEFAULT_QUOTA_FILES = 100_000;
/** A section of config.json that may be left out: every field in it has a default. */
const section = <Fields extends TProperties>(fields: Fields) => T.Object(fields, { default: {} });
/** A quota: a count, or null for no limit. */
const Limit = (fallback: number) => T.Union([T.Integer({ minimum: 0 }), T.Null()], { default: fallback });
const RateRule = (burst: number, perMinute: number) =>
  section({
    burst: T.Integer({ minimum: 1, default: burst }),
    per_minute: T.Number({ minimum: 0, default: perMinute }),
  });

/** `storage.s3`: any S3-compatible bucket (AWS, R2, Ceph RGW, Garage, MinIO). */
const S3Schema = T.Object({
  endpoint: T.String({ pattern: "^https?://" }),
  region: T.String({ default: "us-east-1", minLength: 1 }),
  bucket: T.String({ minLength: 1 }),
  /** Both absent: the AWS SDK's default credential chain (environment, profile, instance role). */
  access_key_id: T.Optional(T.String({ minLength: 1 })),
  secret_access_key: T.Optional(T.String({ minLength: 1 })),
  force_path_style: T.Boolean({ default: true }),
  /** Prepended to every object key, so several lightd instances can share one bucket. */
  key_prefix: T.String({ default: "" }),
  /** Endpoint used only when signing URLs for clients (the server may reach S3 on a private address). */
  public_endpoint: T.Optional(T.String({ pattern: "^https?://" })),
  /** true: lightd streams downloads itself instead of redirecting to a presigned S3 URL. */
  serve_downloads: T.Boolean({ default: false }),
  /**
   * Milliseconds an S3 connection may stay silent before the request fails (then retried, then
   * 503): a bucket that accepts connections and never answers must not hang a request.
   */
  socket_timeout_ms: T.Optional(T.Integer({ minimum: 100, maximum: 600_000 })),
});

export type S3Config = Static<typeof S3Schema>;

/** Where an `s3://` backup target is: storage's S3 connection, with its own bucket named in the URL. */
const BackupS3Schema = T.Omit(S3Schema, ["bucket", "key_prefix", "public_endpoint", "serve_downloads"]);

export type BackupS3Config = Static<typeof BackupS3Schema>;

/** The shape of config.json. Every field but `authorization.token` has a default. */
export const ConfigSchema = T.Object({
  authorization: T.Object({
    enabled: T.Boolean({ default: true }),
    token: Token,
    require_accept: T.Boolean({ default: false }),
  }),
  server: section({
    host: T.String({ default: "0.0.0.0", minLength: 1 }),
    port: T.Integer({ minimum: 0, maximum: 65535, default: 8070 }),
    public_url: T.Optional(T.String({ pattern: "^https?://" })),
    max_body_bytes: T.Integer({ minimum: 1024, default: 1024 * 1024 }),
    /**
     * Largest single upload. 5 GiB: the most one S3 PUT takes, far above everyday files, and a
     * bound on what one request can make lightd write; raise it for larger files.
     */
    max_upload_bytes: T.Integer({ minimum: 1, default: DEFAULT_MAX_UPLOAD_BYTES }),
    trust_proxy: T.Boolean({ default: false }),
    /**
     * HTTPS on lightd's own port: PEM files of the certificate (with its chain) and its private
     * key, relative to config.json's folder. Read at start; restart lightd after renewing them.
     */
    tls: T.Optional(T.Object({ cert_file: T.String({ minLength: 1 }), key_file: T.String({ minLength: 1 }) })),
    /** Web origins (`https://app.example.com`, exactly) whose pages may call the API from a browser. */
    cors_origins: T.Array(T.String({ pattern: "^https?://[^/?#\\s*]+$" }), { default: [], uniqueItems: true }),
  }),
  storage: section({
    backend: T.Union([T.Literal("local"), T.Literal("s3")], {
      default: "local",
    }),
    dir: T.String({ default: "data", minLength: 1 }),
    s3: T.Optional(S3Schema),
  }),
  /**
   * Where metadata lives. "sqlite" (the default): one embedded file in the data directory,
   * no setup. "postgres": a PostgreSQL database that any number of identical instances share;
   * `url` (`postgres://user:pass@host:5432/db`) or, without it, the usual PG* environment
   * variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
   */
  metadata: section({
    engine: T.Union([T.Literal("sqlite"), T.Literal("postgres")], { default: "sqlite" }),
    url: T.Optional(T.String({ pattern: "^postgres(ql)?://" })),
    /** Connections each instance keeps open; instances × this must stay under the server's max_connections. */
    max_connections: T.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  }),
  /** HMAC key for signed URLs; generated on first start. */
  signing_secret: T.String({ minLength: 32 }),
  log: section({ requests: T.Boolean({ default: true }) }),
  /**
   * Who may create an account, and how much a new account may store. `registration`: "open"
   * (anyone may register), "invite" (`/auth/register` needs a code from `POST /admin/invites`)
   * or "closed" (only the admin creates accounts). Quotas count both spaces (live and test);
   * null means no limit. The admin account has none.
   */
  accounts: section({
    registration: T.Union([T.Literal("open"), T.Literal("invite"), T.Literal("closed")], { default: "open" }),
    default_quota_bytes: Limit(DEFAULT_QUOTA_BYTES),
    default_quota_files: Limit(DEFAULT_QUOTA_FILES),
  }),
  /** Browser and signature logins. */
  sessions: section({ ttl_seconds: T.Integer({ minimum: 60, default: 7 * 86_400 }) }),
  /** Magic-link e-mail. Without `smtp.host` the link is written to the server log. */
  smtp: section({
    host: T.Optional(T.String({ minLength: 1 })),
    port: T.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    secure: T.Boolean({ default: false }),
    user: T.Optional(T.String()),
    pass: T.Optional(T.String()),
    from: T.String({ default: "lightd <lightd@localhost>" }),
    tls_reject_unauthorized: T.Boolean({ default: true }),
  }),
  /** Cloudflare Turnstile on POST /auth/magic-link; checked only when `secret` is set. */
  turnstile: section({
    secret: T.Optional(T.String({ minLength: 1 })),
    verify_url: T.String({
      pattern: "^https?://",
      default: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
    }),
  }),
  /**
   * File history: an overwrite, move or delete keeps the previous version (its bytes are not
   * copied). Ended versions are kept `keep_days` days and at most `keep_count` per path, then
   * the garbage collector removes them; 0 in either turns versioning off.
   */
  versions: section({
    keep_days: T.Integer({ minimum: 0, maximum: 36_500, default: 30 }),
    keep_count: T.Integer({ minimum: 0, maximum: 100_000, default: 20 }),
  }),
  /** The live change feed (WebSocket /ws/events, SSE /events). */
  feed: section({
    /** Bytes one connection may have waiting before it is closed as a slow consumer (code 4008). */
    max_buffer_bytes: T.Integer({ minimum: 4096, default: 1024 * 1024 }),
    /** Seconds between heartbeats (WebSocket ping, SSE comment), so idle proxies keep the line. */
    heartbeat_seconds: T.Integer({ minimum: 1, maximum: 3600, default: 25 }),
  }),
  /** Outgoing webhooks (POST /hooks). */
  webhooks: section({
    /** true lets hooks target private, loopback and link-local addresses (tests, trusted LANs). */
    allow_private: T.Boolean({ default: false }),
  }),
  /** The WebDAV server at /dav/. */
  webdav: section({
    /** Accept HTTP Basic over plain HTTP from non-loopback clients (the password is sent in clear text). */
    allow_basic_over_http: T.Boolean({ default: false }),
    /** Refuse macOS Finder's `.DS_Store` and `._*` AppleDouble files with 403 instead of storing them. */
    refuse_mac_metadata: T.Boolean({ default: false }),
  }),
  /**
   * Scheduled backups (also what POST /admin/backups writes). `to`: a local directory or
   * `s3://bucket/prefix`; `every`: how often (`24h`, `30m`, `7d`; absent = only on demand);
   * `keep`: how many archives to keep in `to` (older ones are deleted after a success);
   * `passphrase_file`: encrypt archives with the passphrase in this file.
   */
  backups: section({
    to: T.Optional(T.String({ minLength: 1 })),
    every: T.Optional(T.String({ pattern: "^[1-9][0-9]{0,7}[smhd]$" })),
    keep: T.Integer({ minimum: 1, default: 7 }),
    passphrase_file: T.Optional(T.String({ minLength: 1 })),
    /** The S3 endpoint and credentials for an `s3://` target; absent: those of `storage.s3`. */
    s3: T.Optional(BackupS3Schema),
  }),
  /** Token buckets: `burst` requests at once, refilled at `per_minute`. */
  rate_limits: section({
    enabled: T.Boolean({ default: true }),
    register: RateRule(10, 10),
    challenge: RateRule(30, 30),
    verify: RateRule(30, 30),
    magic_link: RateRule(5, 5),
    /** Per e-mail address, so nobody can mail-bomb one inbox from many IPs. */
    magic_link_per_address: RateRule(3, 0.2),
    /** Per credential, on every authenticated route. */
    authenticated: RateRule(1200, 6000),
    /** Failed authentications per client IP; checked before any argon2 work. */
    auth_failures: RateRule(20, 30),
  }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function newMasterToken(): string {
  return `lightd_${randomBase62(32)}`;
}

/** Writes a file atomically (temp file + fsync + rename) with mode 0600: a crash never leaves it half-written. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${randomBase62(6)}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dirFd = openSync(dirname(path), "r");
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

function describeErrors(value: unknown): string {
  const lines: string[] = [];
  for (const error of Value.Errors(ConfigSchema, value)) {
    const field = error.path.replace(/^\//, "").replaceAll("/", ".") || "(root)";
    const choices = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf?.map((s) => s.const);
    if (field === "authorization.token") {
      lines.push(`${field}: must start with 'lightd_' and be at least ${MIN_TOKEN_LENGTH} characters`);
    } else if (choices?.length && choices.every((c) => typeof c === "string")) {
      lines.push(`${field}: must be one of ${choices.map((c) => `"${c}"`).join(", ")}`);
    } else {
      lines.push(`${field}: ${error.message}`);
    }
    if (lines.length >= 5) break;
  }
  return lines.join("; ");
}

/** Validates raw JSON against the schema, filling defaults. Throws ConfigError naming the field. */
export function parseConfig(raw: unknown, source: string): Config {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source}: must be a JSON object`);
  }
  const value = Value.Default(ConfigSchema, structuredClone(raw));
  if (!Value.Check(ConfigSchema, value)) {
    throw new ConfigError(`${source}: ${describeErrors(value)}`);
  }
  if (value.storage.backend === "s3" && value.storage.s3 === undefined) {
    throw new ConfigError(`${source}: storage.s3: required when storage.backend is "s3"`);
  }
  if (value.backups.every !== undefined && parseTtl(value.backups.every) === null) {
    throw new ConfigError(`${source}: backups.every: a period such as "24h", "30m" or "7d", at most a year`);
  }
  if (value.metadata.engine !== "postgres" && value.metadata.url !== undefined) {
    throw new ConfigError(`${source}: metadata.url: only used when metadata.engine is "postgres"`);
  }
  const s3 = value.storage.s3;
  if (s3 && (s3.access_key_id === undefined) !== (s3.secret_access_key === undefined)) {
    throw new ConfigError(`${source}: storage.s3: set both access_key_id and secret_access_key, or neither`);
  }
  return value;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: invalid JSON (${(error as Error).message})`);
  }
}

export interface LoadedConfig {
  config: Config;
  /** True when this call created config.json (the caller prints the token once). */
  created: boolean;
  /** Keys in the file that lightd does not know (dotted paths); the schema ignores them. */
  unknownKeys: string[];
}

/** Reads config.json, creating it with a fresh master token when missing. */
export function loadConfigFile(path: string, options: { persist?: boolean } = {}): LoadedConfig {
  const persist = options.persist ?? true;
  if (!existsSync(path)) {
    const fresh = {
      authorization: { enabled: true, token: newMasterToken() },
      server: { port: 8070 },
      storage: { backend: "local", dir: "data" },
      signing_secret: randomBase62(48),
    };
    writeFileAtomic(path, `${JSON.stringify(fresh, null, 2)}\n`);
    return { config: parseConfig(fresh, path), created: true, unknownKeys: [] };
  }
  const raw = readJson(path) as Record<string, unknown>;
  // Hand-written files may lack a signing secret. The server adds one once, keeping the rest;
  // commands that only read the file (`--token what`) use a throwaway one and write nothing.
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && raw.signing_secret === undefined) {
    raw.signing_secret = randomBase62(48);
    const config = parseConfig(raw, path);
    if (persist) writeFileAtomic(path, `${JSON.stringify(raw, null, 2)}\n`);
    return { config, created: false, unknownKeys: unknownKeys(ConfigSchema, raw) };
  }
  return { config: parseConfig(raw, path), created: false, unknownKeys: unknownKeys(ConfigSchema, raw) };
}

/** Rewrites only the master token in config.json, keeping every other field as the user wrote it. */
export function writeMasterToken(path: string, token: string): void {
  if (!isWellFormedToken(token)) throw new ConfigError("token must start with 'lightd_' and be at least 20 characters");
  const raw = readJson(path) as Record<string, unknown>;
  const auth = (typeof raw.authorization === "object" && raw.authorization) || {};
  raw.authorization = { ...(auth as object), token };
  // Validate what will be written; a missing signing secret is the server's to add, not ours.
  parseConfig({ signing_secret: randomBase62(48), ...raw }, path);
  writeFileAtomic(path, `${JSON.stringify(raw, null, 2)}\n`);
}

/**
 * Security rule for links someone else follows (the e-mailed magic link, the OAuth issuer):
 * their origin is `server.public_url` and nothing else — never the request's Host or
 * forwarded headers, which whoever asks for the link controls. Null when public_url is not set.
 */
export function configuredOrigin(server: Pick<Config["server"], "public_url">): string | null {
  return server.public_url ? server.public_url.replace(/\/+$/, "") : null;
}

export function resolveDataDir(configPath: string, config: Config, override?: string): string {
  return besideConfig(configPath, override ?? config.storage.dir);
}

/** A path from config.json: relative ones are taken from config.json's folder, not the working directory. */
export function besideConfig(configPath: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(configPath), path);
}

/**
 * Holds the live configuration. The master-token fields are re-read when
 * config.json changes on disk, so `lightd --token reset` takes effect without a restart.
 */
export class ConfigStore {
  #config: Config;
  #watching = false;

  constructor(
    config: Config,
    readonly path: string,
    private readonly onReload: (message: string) => void = () => {},
  ) {
    this.#config = config;
  }

  get current(): Config {
    return this.#config;
  }

  /** Re-reads the authorization section; an invalid file keeps the previous settings. */
  reload(): void {
    try {
      const next = parseConfig(readJson(this.path), this.path);
      const before = this.#config.authorization;
      this.#config = { ...this.#config, authorization: next.authorization };
      if (before.token !== next.authorization.token) this.onReload("master token changed in config.json");
    } catch (error) {
      this.onReload(`config.json not reloaded: ${(error as Error).message}`);
    }
  }

  watch(intervalMs = 500): void {
    if (this.#watching) return;
    this.#watching = true;
    // watchFile polls stat(), so it also sees the file replaced by an atomic rename.
    watchFile(this.path, { interval: intervalMs, persistent: false }, (curr, prev) => {
      if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) this.reload();
    });
  }

  close(): void {
    if (this.#watching) unwatchFile(this.path);
    this.#watching = false;
  }
}
