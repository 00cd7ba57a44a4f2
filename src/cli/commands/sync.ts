import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { encodePath } from "../api-client";
import { UsageError } from "../args";
import type { ClientCommand, CommandContext } from "../context";
import { fileMatchesEtag } from "../digest";
import { expectPositionals } from "../flags";
import { isPartialDownload, type LocalFile, walkLocal } from "../local-tree";
import { runPool } from "../pool";
import { asFolder, cleanRemote, type RemoteEntry, serverPath, walkRemote } from "../remote-tree";
import { downloadMany, FILE_PARALLELISM, summary, uploadMany } from "./transfer";

interface Plan {
  /** What to send or fetch; `local`: the local file it goes to, when its name is written in another form. */
  transfer: { rel: string; size: number; local?: string }[];
  remove: string[];
  same: number;
}

/** A local file and a remote entry hold the same bytes: equal size, then the ETag checked against the bytes. */
async function same(file: LocalFile, entry: RemoteEntry | undefined): Promise<boolean> {
  return entry?.type === "file" && entry.size === file.size && (await fileMatchesEtag(file.abs, file.size, entry.etag));
}

/**
 * Which side is local: an argument written as a local path (`/…`, `./…`, `../…`, `.`, `~…`)
 * is local; otherwise the one that exists on this machine. When both could be local the
 * command refuses rather than guess — a wrong guess with --delete would remove the wrong side.
 */
function direction(a: string, b: string): "up" | "down" {
  const explicit = (p: string) => /^(\/|\.\.?(\/|$)|~)/.test(p);
  if (explicit(a) !== explicit(b)) return explicit(a) ? "up" : "down";
  const existsA = existsSync(a);
  const existsB = existsSync(b);
  if (existsA && !existsB) return "up";
  if (existsB && !existsA) return "down";
  throw new UsageError("sync: cannot tell which side is local; write the local folder as ./NAME or an absolute path");
}

async function planUp(
  ctx: CommandContext,
  local: string,
  folder: string,
): Promise<Plan & { files: Map<string, LocalFile> }> {
  const tree = walkLocal(local);
  // Keyed by the name the server gives each file, the one the remote listing answers with.
  const files = new Map(
    tree.files
      .filter((f) => !isPartialDownload(f.rel))
      .map((f) => [serverPath(`${folder}${f.rel}`, "file", f.abs).slice(folder.length), f]),
  );
  const remote = new Map((await walkRemote(ctx.api(), folder)).map((e) => [e.path.slice(folder.length), e]));
  const plan: Plan & { files: Map<string, LocalFile> } = { transfer: [], remove: [], same: 0, files };
  await runPool(files, FILE_PARALLELISM, async ([rel, file]) => {
    if (await same(file, remote.get(rel))) plan.same++;
    else plan.transfer.push({ rel, size: file.size });
  });
  if (ctx.has("delete")) {
    // Remove the topmost extra entries only: deleting a folder takes what is under it.
    const localDirs = new Set([...files.keys()].flatMap((rel) => ancestors(rel)));
    const removed: string[] = [];
    for (const [rel, entry] of [...remote].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (removed.some((r) => rel.startsWith(r))) continue;
      const extra = entry.type === "folder" ? !localDirs.has(rel) && !existsSync(join(local, rel)) : !files.has(rel);
      if (extra) removed.push(rel);
    }
    plan.remove = removed;
  }
  plan.transfer.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return plan;
}

function ancestors(rel: string): string[] {
  const parts = rel.split("/");
  return parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join("/")}/`);
}

async function planDown(ctx: CommandContext, folder: string, local: string): Promise<Plan> {
  const entries = (await walkRemote(ctx.api(), folder)).filter((e) => e.type === "file");
  const remote = new Map(entries.map((e) => [e.path.slice(folder.length), e]));
  const tree = existsSync(local) ? walkLocal(local).files.filter((f) => !isPartialDownload(f.rel)) : [];
  // Keyed by the composed (NFC) form the server answers with, so a decomposed local name
  // (as macOS writes café) is that remote file, not an extra one to fetch beside it and delete.
  const files = new Map(tree.map((f) => [f.rel.normalize("NFC"), f]));
  const plan: Plan = { transfer: [], remove: [], same: 0 };
  await runPool(remote, FILE_PARALLELISM, async ([rel, entry]) => {
    const file = files.get(rel);
    if (rel.split("/").some((s) => s === ".." || s === ".")) return;
    if (file && (await same(file, entry))) plan.same++;
    else plan.transfer.push({ rel, size: entry.size, local: file?.abs });
  });
  if (ctx.has("delete")) {
    plan.remove = [...files].flatMap(([rel, file]) => (remote.has(rel) ? [] : [file.rel])).sort();
  }
  plan.transfer.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return plan;
}

const sync: ClientCommand = {
  name: "sync",
  usage: "sync LOCAL REMOTE | sync REMOTE LOCAL [--delete] [--dry-run]",
  summary: "Mirror a folder one way, sending only what differs (size, then SHA-256/ETag)",
  details: `'sync ./site www/' makes the remote folder www/ hold what ./site holds; 'sync www/ ./site'
the other way. Write the local side as ./NAME or an absolute path when a name could be either.
--delete removes what the source lacks; --dry-run prints the plan and changes nothing.`,
  flags: { values: ["parallel"], booleans: ["delete", "dry-run"] },
  async run(ctx) {
    const [a, b] = expectPositionals(ctx.flags, 2, 2, this.usage) as [string, string];
    const up = direction(a, b) === "up";
    const local = up ? a : b;
    const folder = serverPath(asFolder(cleanRemote(up ? b : a)), "folder");
    if (up && !statSync(local, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`sync: ${local} is not a folder`);
    }
    const api = ctx.api();
    const started = performance.now();
    const plan = up ? await planUp(ctx, local, folder) : await planDown(ctx, folder, local);
    const verb = up ? "upload" : "download";
    const report = {
      direction: up ? "upload" : "download",
      transferred: plan.transfer.map((t) => t.rel),
      deleted: plan.remove,
      unchanged: plan.same,
      bytes: plan.transfer.reduce((n, t) => n + t.size, 0),
      dry_run: ctx.has("dry-run"),
    };
    if (ctx.has("dry-run")) {
      return ctx.out.answer(report, () => {
        for (const t of plan.transfer) ctx.out.line(`${verb} ${t.rel}`);
        for (const r of plan.remove) ctx.out.line(`delete ${r}`);
      });
    }
    const progress = ctx.progress();
    try {
      if (up) {
        const files = (plan as Awaited<ReturnType<typeof planUp>>).files;
        const pairs = plan.transfer.map((t) => ({
          abs: (files.get(t.rel) as LocalFile).abs,
          remote: `${folder}${t.rel}`,
          size: t.size,
        }));
        await uploadMany(ctx, api, pairs, progress, pairs.length > 0 ? folder : undefined);
        await runPool(plan.remove, FILE_PARALLELISM, async (rel) => {
          await api.request("DELETE", `/files/${encodePath(`${folder}${rel}`)}`);
        });
      } else {
        const pairs = plan.transfer.map((t) => ({
          remote: `${folder}${t.rel}`,
          local: t.local ?? join(local, t.rel),
          size: t.size,
        }));
        await downloadMany(api, pairs, progress);
        for (const rel of plan.remove) rmSync(join(local, rel), { force: true });
      }
    } finally {
      progress.finish();
    }
    return ctx.out.answer(report, () =>
      ctx.out.note(
        `${summary(up ? "uploaded" : "downloaded", plan.transfer.length, report.bytes, started)}; ${plan.same} unchanged, ${plan.remove.length} deleted`,
      ),
    );
  },
};

export const SYNC_COMMANDS = [sync];
