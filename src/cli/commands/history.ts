import type { TrashEntry, FileVersion as Version } from "../../../clients/lightd";
import { formatBytes } from "../../lib/format";
import { UsageError } from "../args";
import type { ClientCommand } from "../context";
import { expectPositionals } from "../flags";
import { formatTime } from "../output";
import { cleanRemote, folderExists } from "../remote-tree";

const versions: ClientCommand = {
  name: "versions",
  usage: "versions PATH",
  summary: "List a file's versions, each with the tx to revert it with",
  details: "The current version first, then older ones, newest first.",
  async run(ctx) {
    const [path] = expectPositionals(ctx.flags, 1, 1, this.usage) as [string];
    const result = await ctx
      .api()
      .json<{ path: string; versions: Version[] }>("GET", "/files/versions", { query: { path: cleanRemote(path) } });
    return ctx.out.answer(result, () =>
      ctx.out.table(
        ["TX", "SIZE", "TIME", "STATE"],
        result.versions.map((v) => [
          String(v.tx),
          formatBytes(v.size),
          formatTime(v.ts),
          v.current ? "current" : `${v.ended_by} at tx ${v.ended_tx}`,
        ]),
        [0, 1],
      ),
    );
  },
};

const trash: ClientCommand = {
  name: "trash",
  usage: "trash [PREFIX] [--limit N]",
  summary: "List deleted files that can still be brought back",
  flags: { values: ["limit"] },
  async run(ctx) {
    const [prefix] = expectPositionals(ctx.flags, 0, 1, this.usage);
    const result = await ctx.api().json<{ entries: TrashEntry[] }>("GET", "/files/trash", {
      query: { prefix: prefix === undefined ? undefined : cleanRemote(prefix), limit: ctx.value("limit") ?? 1000 },
    });
    return ctx.out.answer(result, () =>
      ctx.out.table(
        ["TX", "SIZE", "DELETED", "PATH"],
        result.entries.map((e) => [String(e.tx), formatBytes(e.size), formatTime(e.deleted_at), e.path]),
        [0, 1],
      ),
    );
  },
};

const revert: ClientCommand = {
  name: "revert",
  usage: "revert PATH --tx N [-m MESSAGE]",
  summary: "Bring a file or folder back as it was at tx N (one new tx; undo it the same way)",
  details:
    'A folder (name it with a trailing / if it no longer exists) comes back whole: files created since removed, deleted and moved ones back. "/" is everything.',
  flags: { values: ["tx", "message"], aliases: { m: "message" } },
  async run(ctx) {
    const [given] = expectPositionals(ctx.flags, 1, 1, this.usage) as [string];
    const tx = ctx.value("tx");
    if (tx === undefined || !/^\d+$/.test(tx)) throw new UsageError("revert needs --tx N (see: lightd versions PATH)");
    const api = ctx.api();
    let path = cleanRemote(given);
    if (path !== "" && !path.endsWith("/") && (await folderExists(api, path))) path = `${path}/`;
    const target = path === "" || path.endsWith("/") ? { prefix: path } : { path };
    const result = await api.json<{ path: string; tx: number | null; restored: number; removed: number }>(
      "POST",
      "/files/restore",
      { json: { ...target, tx: Number(tx), message: ctx.value("message") } },
    );
    return ctx.out.answer(result, () =>
      ctx.out.note(
        result.tx === null
          ? `${result.path || "/"} already is as at tx ${tx}`
          : `${result.path || "/"} as at tx ${tx}: ${result.restored} restored, ${result.removed} removed (tx ${result.tx})`,
      ),
    );
  },
};

export const HISTORY_COMMANDS = [versions, trash, revert];
