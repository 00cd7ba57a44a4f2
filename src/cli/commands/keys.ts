import type { KeyMetadata } from "../../../clients/lightd";
import { UsageError } from "../args";
import type { ClientCommand, CommandContext } from "../context";
import { formatTime } from "../output";
import { parseSeconds } from "./files";

/** `--expires 30d` (a lifetime) or `--expires 2027-01-01T00:00:00Z` (a date) as the API's body fields. */
function expiry(ctx: CommandContext): { expires_in?: number; expires_at?: string } {
  const given = ctx.value("expires");
  if (given === undefined) return {};
  if (/^\d{1,9}[smhd]?$/.test(given)) return { expires_in: parseSeconds(given, "--expires") };
  if (Number.isNaN(Date.parse(given)))
    throw new UsageError(`--expires takes a lifetime (30d) or a date, got '${given}'`);
  return { expires_at: given };
}

function sub(ctx: CommandContext, usage: string, allowed: Record<string, number>): [string, string[]] {
  const [action, ...rest] = ctx.flags.positionals;
  if (action === undefined || !(action in allowed) || rest.length !== allowed[action])
    throw new UsageError(`usage: lightd ${usage}`);
  return [action, rest];
}

async function keysCommand(ctx: CommandContext, usage: string): Promise<number> {
  const [action, args] = sub(ctx, usage, { create: 0, list: 0, rotate: 1, revoke: 1 });
  const api = ctx.api();
  if (action === "list") {
    const { keys } = await api.json<{ keys: KeyMetadata[] }>("GET", "/auth/keys");
    return ctx.out.answer({ keys }, () =>
      ctx.out.table(
        ["ID", "NAME", "ENV", "PREFIX", "SCOPES", "EXPIRES", "LAST USED", "USES"],
        keys.map((k) => [
          k.id,
          k.name,
          k.environment,
          k.prefix || "/",
          k.scopes.join(","),
          formatTime(k.expires_at),
          formatTime(k.last_used_at),
          String(k.use_count),
        ]),
        [7],
      ),
    );
  }
  if (action === "revoke") {
    const result = await api.json("DELETE", `/auth/keys/${encodeURIComponent(args[0] as string)}`);
    return ctx.out.answer(result, () => ctx.out.note(`revoked ${args[0]}`));
  }
  const body =
    action === "create"
      ? {
          name: ctx.value("name"),
          prefix: ctx.value("prefix"),
          scopes: ctx
            .value("scopes")
            ?.split(/[,\s]+/)
            .filter(Boolean),
          environment: ctx.value("env"),
          ...expiry(ctx),
        }
      : expiry(ctx);
  const path = action === "create" ? "/auth/keys" : `/auth/keys/${encodeURIComponent(args[0] as string)}/rotate`;
  const created = await api.json<{ id: string; token: string }>("POST", path, { json: body });
  return ctx.out.answer(created, () => {
    ctx.out.line(created.token);
    ctx.out.note(`key ${created.id}: the token above is shown once; store it now`);
  });
}

const keys: ClientCommand = {
  name: "keys",
  usage:
    "keys create [--name N] [--scopes a,b] [--prefix P] [--env live|test] [--expires 30d] | keys list | keys rotate ID --expires 30d | keys revoke ID",
  summary: "Create, list, rotate and revoke API keys",
  details: `Scopes: files:read files:write files:delete share keys:read keys:write admin (default: yours).
--expires takes a lifetime (90d, 12h) or an ISO 8601 date. create and rotate print the token once.`,
  flags: { values: ["name", "scopes", "prefix", "env", "expires"] },
  run(ctx) {
    return keysCommand(ctx, this.usage);
  },
};

const tokens: ClientCommand = {
  name: "tokens",
  usage: "tokens create [--ttl 1h] [--single-use]",
  summary: "Mint a short-lived token (master token only)",
  flags: { values: ["ttl"], booleans: ["single-use"] },
  async run(ctx) {
    sub(ctx, this.usage, { create: 0 });
    const created = await ctx.api().json<{ token: string; expires_at: string }>("POST", "/auth/tokens", {
      json: { ttl: ctx.value("ttl") ?? "1h", remove_on_use: ctx.has("single-use") },
    });
    return ctx.out.answer(created, () => ctx.out.line(created.token));
  },
};

export const KEY_COMMANDS = [keys, tokens];
