import { userInfo } from "node:os";
import type { Me } from "../../../clients/lightd";
import { ApiClient, ApiError } from "../api-client";
import { UsageError } from "../args";
import type { ClientCommand, CommandContext } from "../context";
import { CliError, EXIT } from "../exit";
import { expectPositionals } from "../flags";
import { loginKey, signNonce } from "../keypair";
import { type AuthScheme, normalizeUrl, type Profile } from "../profiles";

/** The local user name as an account name (letters, digits, `-`, `_`; at most 64). */
function defaultActor(env: Record<string, string | undefined>): string {
  let name = env.USER || env.LOGNAME || "";
  if (!name) {
    try {
      name = userInfo().username;
    } catch {
      name = "";
    }
  }
  const clean = name.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  if (!clean) throw new UsageError("cannot tell the local user name; pass --actor NAME");
  return clean;
}

/**
 * Ends a stored Ed25519 session on its server: the one kind of stored credential the client
 * made and may end (a stored token or API key is only forgotten). False when it had ended already.
 */
async function endSession(profileName: string, profile: Profile): Promise<boolean> {
  const api = new ApiClient({ profileName, url: profile.url, token: profile.token, scheme: "Bearer" });
  try {
    await api.json("POST", "/auth/logout");
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

/** Saves a profile's new credential; a session it replaces is ended first, as logout would (best effort). */
async function saveReplacing(ctx: CommandContext, profile: Profile): Promise<void> {
  const old = ctx.profiles.get(ctx.profileName);
  if (old?.key_file && old.token && old.token !== profile.token)
    await endSession(ctx.profileName, old).catch(() => false);
  ctx.profiles.save(ctx.profileName, profile);
}

async function storeCredential(ctx: CommandContext, url: string, token: string, scheme: AuthScheme): Promise<number> {
  const api = new ApiClient({ profileName: ctx.profileName, url, token, scheme });
  const me = await api.json<Me>("GET", "/auth/me");
  await saveReplacing(ctx, { url, token, scheme, actor: me.actor });
  return ctx.out.answer({ profile: ctx.profileName, url, ...me }, () =>
    ctx.out.note(`Logged in to ${url} as ${me.actor} (${me.source}); profile '${ctx.profileName}'`),
  );
}

async function signIn(ctx: CommandContext, url: string): Promise<number> {
  // The profile's account and key are reused only for the server it was made for.
  const stored = ctx.profiles.get(ctx.profileName);
  const previous = stored?.url === url ? stored : undefined;
  const actor = ctx.value("actor") ?? previous?.actor ?? defaultActor(ctx.env);
  const { key, created } = loginKey(ctx.profiles.dir, ctx.value("key") ?? previous?.key_file);
  if (created) ctx.out.note(`Created a new Ed25519 key: ${key.file}`);
  const api = new ApiClient({ profileName: ctx.profileName, url, scheme: "Bearer" });
  const challenge = () =>
    api.json<{ challenge_id: string; nonce: string }>("POST", "/auth/challenge", { json: { actor }, auth: false });
  let registered = false;
  let issued: { challenge_id: string; nonce: string };
  try {
    issued = await challenge();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    // First login: the account does not exist yet, so register it with this key.
    await api.json("POST", "/auth/register", {
      json: { actor, public_key: key.publicKeyBase64, type: ctx.has("agent") ? "agent" : "human" },
      auth: false,
    });
    registered = true;
    issued = await challenge();
  }
  const session = await api.json<{ token: string; actor: string; expires_at: number }>("POST", "/auth/verify", {
    json: { challenge_id: issued.challenge_id, actor, signature: signNonce(key, issued.nonce) },
    auth: false,
  });
  const profile: Profile = {
    url,
    token: session.token,
    scheme: "Bearer",
    actor: session.actor,
    key_file: key.file,
    expires_at: session.expires_at,
  };
  await saveReplacing(ctx, profile);
  const shown = { actor: session.actor, registered, key_file: key.file, expires_at: session.expires_at };
  return ctx.out.answer({ profile: ctx.profileName, url, ...shown }, () =>
    ctx.out.note(
      `${registered ? "Registered and logged" : "Logged"} in to ${url} as ${session.actor} (session until ${new Date(session.expires_at).toISOString()}); profile '${ctx.profileName}'`,
    ),
  );
}

const login: ClientCommand = {
  name: "login",
  usage: "login URL [--actor NAME] [--key FILE] [--agent] | login URL --token T | --api-key K",
  summary: "Sign in with an Ed25519 key (made on first use), or store a token or API key",
  details: `Ed25519: uses --key FILE (PEM, e.g. from 'openssl genpkey -algorithm ed25519') or the profile's
key, else makes ~/.config/lightd/id_ed25519. Registers --actor (default: the local user name;
--agent for an agent account) on first use, signs the server's challenge and keeps the session.
--token stores a lightd token (sent as Bearer); --api-key an API key (sent as ApiKey).
Nothing is asked interactively: flags say everything.`,
  flags: { values: ["actor", "key", "token", "api-key"], booleans: ["agent"] },
  async run(ctx) {
    const [given] = expectPositionals(ctx.flags, 1, 1, this.usage) as [string];
    const url = normalizeUrl(given);
    const token = ctx.value("token");
    const apiKey = ctx.value("api-key");
    if (token !== undefined && apiKey !== undefined) throw new UsageError("give --token or --api-key, not both");
    if (token === "" || apiKey === "") throw new UsageError(`--${token === "" ? "token" : "api-key"} is empty`);
    if (token !== undefined) return storeCredential(ctx, url, token, "Bearer");
    if (apiKey !== undefined) return storeCredential(ctx, url, apiKey, "ApiKey");
    return signIn(ctx, url);
  },
};

const logout: ClientCommand = {
  name: "logout",
  usage: "logout",
  summary: "End the session on the server and forget the credential",
  async run(ctx) {
    expectPositionals(ctx.flags, 0, 0, this.usage);
    const profile = ctx.profiles.get(ctx.profileName);
    if (!profile?.token) throw new CliError(`profile '${ctx.profileName}' is not logged in`, EXIT.auth);
    // Sessions end server-side; a stored token or API key is only forgotten (revoke keys with `keys revoke`).
    const ended = profile.key_file ? await endSession(ctx.profileName, profile) : false;
    const { token: _token, expires_at: _expires, ...rest } = profile;
    ctx.profiles.save(ctx.profileName, rest);
    return ctx.out.answer({ profile: ctx.profileName, logged_out: true, session_ended: ended }, () =>
      ctx.out.note(`Logged out of ${profile.url}`),
    );
  },
};

const whoami: ClientCommand = {
  name: "whoami",
  usage: "whoami",
  summary: "Show the account and powers of the current credential",
  async run(ctx) {
    expectPositionals(ctx.flags, 0, 0, this.usage);
    const api = ctx.api();
    const me = await api.json<Me>("GET", "/auth/me");
    return ctx.out.answer({ profile: ctx.profileName, url: api.baseUrl, ...me }, () => {
      ctx.out.line(`${me.actor} on ${api.baseUrl} (${me.source}, ${me.space})`);
      ctx.out.line(`scopes: ${me.scopes.join(" ")}`);
      if (me.prefix) ctx.out.line(`prefix: ${me.prefix}`);
    });
  },
};

export const LOGIN_COMMANDS = [login, logout, whoami];
