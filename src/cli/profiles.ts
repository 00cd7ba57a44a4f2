import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError, EXIT } from "./exit";

/** How a stored credential is sent: `Authorization: Bearer …` or `Authorization: ApiKey …`. */
export type AuthScheme = "Bearer" | "ApiKey";

export interface Profile {
  url: string;
  token?: string;
  scheme?: AuthScheme;
  /** Set for Ed25519 logins: the account and the key that signed in, so logout/login know them. */
  actor?: string;
  key_file?: string;
  expires_at?: number;
}

interface ProfileFile {
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = "default";

/**
 * Where the client keeps its profiles and key: `$XDG_CONFIG_HOME/lightd`, else
 * `~/.config/lightd`. The directory is 0700 and every file 0600: they hold credentials.
 */
export function configDir(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "lightd");
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes a file readable by its owner only, atomically (a crash never leaves half a profile). */
export function writePrivateFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export class ProfileStore {
  readonly path: string;
  constructor(readonly dir: string) {
    this.path = join(dir, "profiles.json");
  }

  #read(): ProfileFile {
    if (!existsSync(this.path)) return { profiles: {} };
    try {
      const parsed = JSON.parse(readFileSync(this.path, "utf8")) as ProfileFile;
      return { profiles: parsed.profiles ?? {} };
    } catch (error) {
      throw new CliError(`cannot read ${this.path}: ${(error as Error).message}`);
    }
  }

  get(name: string): Profile | undefined {
    return this.#read().profiles[name];
  }

  save(name: string, profile: Profile): void {
    const file = this.#read();
    file.profiles[name] = profile;
    ensurePrivateDir(this.dir);
    writePrivateFile(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}

export interface Target {
  profileName: string;
  url: string;
  token?: string;
  scheme: AuthScheme;
}

/**
 * The server and credential a command uses: the profile (`--profile`, else "default"),
 * with `LIGHTD_URL` and `LIGHTD_TOKEN` taking precedence, so scripts need no profile at all.
 */
/** The error for a profile with no credential: how to log in (at `url`, when known). */
export function notLoggedIn(profileName: string, url?: string): CliError {
  const profile = profileName === DEFAULT_PROFILE ? "" : ` --profile ${profileName}`;
  const hint = url ? `run 'lightd login ${url}${profile}'` : `run 'lightd login URL${profile}' or set LIGHTD_URL`;
  return new CliError(`not logged in: ${hint}`, EXIT.auth);
}

export function resolveTarget(
  store: ProfileStore,
  profileName: string,
  env: Record<string, string | undefined>,
): Target {
  const profile = store.get(profileName);
  const url = env.LIGHTD_URL || profile?.url;
  if (!url) throw notLoggedIn(profileName);
  if (env.LIGHTD_TOKEN) return { profileName, url: normalizeUrl(url), token: env.LIGHTD_TOKEN, scheme: "Bearer" };
  return { profileName, url: normalizeUrl(url), token: profile?.token, scheme: profile?.scheme ?? "Bearer" };
}

/** `http://host:port` without a trailing slash; a bare host gets http://. */
export function normalizeUrl(text: string): string {
  const withScheme = /^https?:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`not a server URL: '${text}'`, EXIT.usage);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
