import type { ChangeEvent } from "../../../clients/lightd";
import { changedPaths, formatBytes } from "../../lib/format";
import { encodePath } from "../api-client";
import { UsageError } from "../args";
import type { ClientCommand, CommandContext } from "../context";
import { fetchMeta } from "../download";
import { CliError, EXIT } from "../exit";
import { expectPositionals } from "../flags";
import { formatTime } from "../output";
import { asFolder, cleanRemote, folderExists, listFolder, type RemoteEntry, walkRemote } from "../remote-tree";

function entryRows(entries: RemoteEntry[], long: boolean, full: boolean): { header: string[]; rows: string[][] } {
  const name = (e: RemoteEntry) => (full ? e.path : e.type === "folder" ? `${e.name}/` : e.name);
  if (!long) return { header: ["NAME"], rows: entries.map((e) => [name(e)]) };
  return {
    header: ["SIZE", "MODIFIED", "TX", "NAME"],
    rows: entries.map((e) => [
      e.type === "folder" ? "-" : formatBytes(e.size),
      formatTime(e.updated_at),
      String(e.tx),
      name(e),
    ]),
  };
}

const ls: ClientCommand = {
  name: "ls",
  usage: "ls [PREFIX] [-l] [-R]",
  summary: "List a folder (-l sizes and dates, -R everything below)",
  details: "A PREFIX that names a folder lists its contents; otherwise entries whose names start with it.",
  flags: { booleans: ["long", "recursive"], aliases: { l: "long", R: "recursive" } },
  async run(ctx) {
    const [given = ""] = expectPositionals(ctx.flags, 0, 1, this.usage);
    const api = ctx.api();
    const clean = cleanRemote(given);
    const prefix = clean === "" || clean.endsWith("/") || (await folderExists(api, clean)) ? asFolder(clean) : clean;
    const recursive = ctx.has("recursive");
    const entries = recursive ? await walkRemote(api, asFolder(prefix)) : await listFolder(api, prefix);
    return ctx.out.answer({ prefix, entries }, () => {
      const { header, rows } = entryRows(entries, ctx.has("long"), recursive);
      ctx.out.table(header, rows, ctx.has("long") ? [0, 2] : []);
    });
  },
};

const stat: ClientCommand = {
  name: "stat",
  usage: "stat PATH",
  summary: "Show a file's or folder's metadata",
  async run(ctx) {
    const [path] = expectPositionals(ctx.flags, 1, 1, this.usage) as [string];
    const meta = await fetchMeta(ctx.api(), cleanRemote(path));
    const { url: _url, ...rest } = meta;
    return ctx.out.answer(rest, () => {
      const rows: [string, string][] = [
        ["path", meta.path],
        ["type", meta.type],
        ["size", `${meta.size} (${formatBytes(meta.size)})`],
        ["content type", (meta as { content_type?: string | null }).content_type ?? "-"],
        ["etag", meta.etag ?? "-"],
        ["tx", String((meta as { tx?: number }).tx ?? "-")],
        ["modified", formatTime(meta.updated_at)],
      ];
      for (const [k, v] of rows) ctx.out.line(`${`${k}:`.padEnd(14)}${v}`);
    });
  },
};

const cat: ClientCommand = {
  name: "cat",
  usage: "cat PATH",
  summary: "Write a file's bytes to stdout",
  async run(ctx) {
    const [path] = expectPositionals(ctx.flags, 1, 1, this.usage) as [string];
    const meta = await fetchMeta(ctx.api(), cleanRemote(path));
    if (meta.type !== "file" || !meta.url) throw new CliError(`${meta.path} is a folder`);
    const response = await fetch(meta.url);
    if (!response.ok || !response.body) throw new CliError(`${meta.path}: download failed (${response.status})`);
    for await (const chunk of response.body) await ctx.streams.writeBytes(chunk);
    return EXIT.ok;
  },
};

const rm: ClientCommand = {
  name: "rm",
  usage: "rm PATH... [-r]",
  summary: "Delete files (-r: folders with everything in them)",
  flags: { booleans: ["recursive"], aliases: { r: "recursive" } },
  async run(ctx) {
    const paths = expectPositionals(ctx.flags, 1, Number.POSITIVE_INFINITY, this.usage);
    const api = ctx.api();
    const results: unknown[] = [];
    for (const given of paths) {
      let path = cleanRemote(given);
      if (path === "") throw new UsageError("refusing to delete the root; name a folder");
      if (!path.endsWith("/") && (await folderExists(api, path))) path = `${path}/`;
      if (path.endsWith("/") && !ctx.has("recursive")) throw new CliError(`${path} is a folder (use -r)`);
      const result = await api.json<{ deleted: number; tx: number }>("DELETE", `/files/${encodePath(path)}`);
      results.push({ path, ...result });
      if (!ctx.json) ctx.out.note(`deleted ${path}`);
    }
    if (ctx.json) ctx.out.printJson(results.length === 1 ? results[0] : results);
    return EXIT.ok;
  },
};

/** `mv` and `cp`: the server moves or copies (no bytes through the client), one tx each. */
function serverSide(name: "mv" | "cp", summary: string, done: string): ClientCommand {
  return {
    name,
    usage: `${name} FROM TO`,
    summary,
    flags: { values: ["message"], aliases: { m: "message" } },
    async run(ctx) {
      const [from, to] = expectPositionals(ctx.flags, 2, 2, this.usage) as [string, string];
      const endpoint = name === "mv" ? "/files/move" : "/files/copy";
      const result = await ctx.api().json<{ from: string; to: string; tx: number }>("POST", endpoint, {
        json: { ...(await sourceAndTarget(ctx, from, to)), message: ctx.value("message") },
      });
      return ctx.out.answer(result, () => ctx.out.note(`${done} ${result.from} → ${result.to}`));
    },
  };
}

const mv = serverSide("mv", "Move or rename a file or folder", "moved");
const cp = serverSide("cp", "Copy a file or folder on the server (no bytes through the client)", "copied");

/** `mv a.txt docs/` moves into the folder, as mv(1) does; a folder source gets its slash. */
async function sourceAndTarget(ctx: CommandContext, from: string, to: string) {
  const api = ctx.api();
  let source = cleanRemote(from);
  if (!source.endsWith("/") && (await folderExists(api, source))) source = `${source}/`;
  let target = cleanRemote(to);
  const name = source.replace(/\/$/, "").split("/").pop() ?? "";
  if (target === "" || target.endsWith("/") || (await folderExists(api, target))) target = `${asFolder(target)}${name}`;
  if (source.endsWith("/") && !target.endsWith("/")) target = `${target}/`;
  return { from: source, to: target };
}

const mkdir: ClientCommand = {
  name: "mkdir",
  usage: "mkdir PATH...",
  summary: "Create folders (and their parents)",
  async run(ctx) {
    const paths = expectPositionals(ctx.flags, 1, Number.POSITIVE_INFINITY, this.usage);
    const results = [];
    for (const path of paths) {
      const folder = asFolder(path);
      if (folder === "") throw new UsageError("mkdir needs a folder name");
      results.push(
        await ctx.api().json<{ path: string; created: boolean }>("POST", "/files/mkdir", { json: { path: folder } }),
      );
    }
    if (ctx.json) ctx.out.printJson(results.length === 1 ? results[0] : results);
    return EXIT.ok;
  },
};

const search: ClientCommand = {
  name: "search",
  usage: "search QUERY... [--limit N]",
  summary: "Find files by words in their names and paths, best match first",
  flags: { values: ["limit"] },
  async run(ctx) {
    const words = expectPositionals(ctx.flags, 1, Number.POSITIVE_INFINITY, this.usage);
    const result = await ctx.api().json<{ results: RemoteEntry[] }>("GET", "/files/search", {
      query: { q: words.join(" "), limit: ctx.value("limit") },
    });
    return ctx.out.answer(result, () =>
      ctx.out.table(
        ["SIZE", "MODIFIED", "PATH"],
        result.results.map((r) => [formatBytes(r.size), formatTime(r.updated_at), r.path]),
        [0],
      ),
    );
  },
};

const log: ClientCommand = {
  name: "log",
  usage: "log [PATH] [--since TX] [--limit N]",
  summary: "Show what changed, in tx order",
  flags: { values: ["since", "limit"] },
  async run(ctx) {
    const [path] = expectPositionals(ctx.flags, 0, 1, this.usage);
    const api = ctx.api();
    let clean = path === undefined ? undefined : cleanRemote(path);
    if (clean && !clean.endsWith("/") && (await folderExists(api, clean))) clean = `${clean}/`;
    const result = await api.json<{ events: ChangeEvent[] }>("GET", "/files/log", {
      query: { path: clean || undefined, since_tx: ctx.value("since"), limit: ctx.value("limit") ?? 1000 },
    });
    return ctx.out.answer(result, () =>
      ctx.out.table(["TX", "TIME", "ACTION", "PATH", "MESSAGE"], result.events.map(eventRow), [0]),
    );
  },
};

export function eventRow(e: ChangeEvent): string[] {
  return [String(e.tx), formatTime(e.ts), e.action, changedPaths(e), e.msg ?? ""];
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30m`, `1h`, `7d` (or plain seconds) → seconds; a usage error otherwise. */
export function parseSeconds(text: string, flag: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (!match) throw new UsageError(`${flag}: use a number and a unit s, m, h or d (e.g. 1h), got '${text}'`);
  return Number(match[1]) * (UNIT_S[match[2] || "s"] as number);
}

export const FILE_COMMANDS = [ls, stat, cat, rm, mv, cp, mkdir, search, log];
