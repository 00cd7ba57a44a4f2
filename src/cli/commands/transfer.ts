import { mkdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { formatBytes } from "../../lib/format";
import type { ApiClient } from "../api-client";
import { UsageError } from "../args";
import type { ClientCommand, CommandContext } from "../context";
import { fileMatchesEtag } from "../digest";
import { type DownloadResult, downloadFile, fetchMeta } from "../download";
import { CliError, EXIT } from "../exit";
import { expectPositionals } from "../flags";
import { walkLocal } from "../local-tree";
import { formatDuration } from "../output";
import { runPool } from "../pool";
import type { Progress } from "../progress";
import { asFolder, cleanRemote, folderExists, serverPath, walkRemote } from "../remote-tree";
import { type UploadResult, uploadFile } from "../upload";

/** Files moved at once by put -r / get -r / sync; each big file also sends its parts in parallel. */
export const FILE_PARALLELISM = 8;
export const PART_PARALLELISM = 4;

/** The bytes of files to move, or moved. */
const sizeOf = (files: { size: number }[]) => files.reduce((n, file) => n + file.size, 0);

export function parallelism(ctx: CommandContext): number {
  const given = ctx.value("parallel");
  if (given === undefined) return PART_PARALLELISM;
  if (!/^\d{1,3}$/.test(given) || Number(given) < 1)
    throw new UsageError(`--parallel takes a number from 1, got '${given}'`);
  return Number(given);
}

/** Uploads local files to remote paths, a few at a time; checks ETags of one-request uploads by listing. */
export async function uploadMany(
  ctx: CommandContext,
  api: ApiClient,
  pairs: { abs: string; remote: string; size: number }[],
  progress: Progress,
  verifyTree?: string,
): Promise<UploadResult[]> {
  const states = ctx.uploadStates();
  const results: UploadResult[] = [];
  progress.plan(pairs.length, sizeOf(pairs));
  const verify = verifyTree === undefined;
  await runPool(pairs, FILE_PARALLELISM, async (pair) => {
    results.push(
      await uploadFile(api, pair.abs, pair.remote, { progress, states, parallel: parallelism(ctx), verify }),
    );
  });
  if (verifyTree !== undefined) {
    // One listing checks every one-request upload's ETag instead of a HEAD per file.
    const stored = new Map((await walkRemote(api, verifyTree)).map((e) => [e.path, e]));
    const local = new Map(pairs.map((p) => [p.remote, p]));
    await runPool(
      results.filter((r) => r.etag === ""),
      FILE_PARALLELISM,
      async (result) => {
        const entry = stored.get(result.path);
        const pair = local.get(result.path);
        if (!entry || !pair || !(await fileMatchesEtag(pair.abs, pair.size, entry.etag))) {
          throw new CliError(`${result.path}: the stored file does not match the local bytes`);
        }
        result.etag = entry.etag ?? "";
      },
    );
  }
  return results;
}

export async function downloadMany(
  api: ApiClient,
  pairs: { remote: string; local: string; size: number }[],
  progress: Progress,
): Promise<DownloadResult[]> {
  const results: DownloadResult[] = [];
  progress.plan(pairs.length, sizeOf(pairs));
  await runPool(pairs, FILE_PARALLELISM, async (pair) => {
    results.push(await downloadFile(api, pair.remote, pair.local, progress));
  });
  return results;
}

export function summary(verb: string, files: number, bytes: number, started: number): string {
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? `, ${formatBytes(bytes / seconds)}/s` : "";
  return `${verb} ${files} file${files === 1 ? "" : "s"}, ${formatBytes(bytes)} in ${formatDuration(seconds)}${rate}`;
}

const put: ClientCommand = {
  name: "put",
  usage: "put LOCAL [REMOTE] [-r] [--parallel N]",
  summary: "Upload a file, or a folder with -r (big files in parallel parts, resumable)",
  details: `REMOTE ending in / (or an existing folder) receives LOCAL under its own name:
'put -r photos docs/' makes docs/photos/…, 'put report.pdf docs/' makes docs/report.pdf.
Files over 64 MiB go up in parts (--parallel at once, default 4); an interrupted put of the
same file resumes, sending only the parts still missing. Every file's ETag is checked.`,
  flags: { values: ["parallel"], booleans: ["recursive"], aliases: { r: "recursive" } },
  async run(ctx) {
    const [local, remoteArg] = expectPositionals(ctx.flags, 1, 2, this.usage) as [string, string | undefined];
    const info = statSync(local, { throwIfNoEntry: false });
    if (!info) throw new CliError(`${local}: no such file or folder`, EXIT.notFound);
    const api = ctx.api();
    const name = basename(resolve(local));
    const remote = cleanRemote(remoteArg ?? "");
    const into = remote === "" || remote.endsWith("/") || (await folderExists(api, remote));
    const progress = ctx.progress();
    const started = performance.now();
    let results: UploadResult[];
    if (info.isDirectory()) {
      if (!ctx.has("recursive")) throw new CliError(`${local} is a folder (use -r)`, EXIT.usage);
      const root = into ? `${asFolder(remote)}${name}/` : asFolder(remote);
      const tree = walkLocal(local);
      // Every name is checked before anything is sent: a name the server refuses stops the tree untouched.
      const pairs = tree.files.map((f) => ({
        abs: f.abs,
        remote: serverPath(`${root}${f.rel}`, "file", f.abs),
        size: f.size,
      }));
      const dirs = tree.emptyDirs.map((dir) => serverPath(`${root}${dir}/`, "folder", join(local, dir)));
      for (const dir of dirs) await api.json("POST", "/files/mkdir", { json: { path: dir } });
      if (tree.files.length === 0) await api.json("POST", "/files/mkdir", { json: { path: root } });
      results = await uploadMany(ctx, api, pairs, progress, root).finally(() => progress.finish());
    } else {
      const target = into ? `${asFolder(remote)}${name}` : remote;
      const pair = { abs: local, remote: target, size: info.size };
      results = await uploadMany(ctx, api, [pair], progress).finally(() => progress.finish());
    }
    const bytes = sizeOf(results);
    const sent = results.reduce((n, r) => n + r.sent, 0);
    return ctx.out.answer({ files: results, bytes, sent }, () =>
      ctx.out.note(summary("uploaded", results.length, bytes, started)),
    );
  },
};

const get: ClientCommand = {
  name: "get",
  usage: "get REMOTE [LOCAL] [-r]",
  summary: "Download a file, or a folder with -r (resumes with Range, ETag checked)",
  details: `LOCAL that is an existing folder (or ends in /) receives REMOTE under its own name.
An interrupted download stays in a hidden .lightd-part file beside the target and the next
get of the same version continues from where it stopped.`,
  flags: { booleans: ["recursive"], aliases: { r: "recursive" } },
  async run(ctx) {
    const [remoteArg, localArg] = expectPositionals(ctx.flags, 1, 2, this.usage) as [string, string | undefined];
    const api = ctx.api();
    const remote = cleanRemote(remoteArg);
    const isFolder = remote === "" || remote.endsWith("/") || (await folderExists(api, remote));
    const name = remote.replace(/\/$/, "").split("/").pop() || "lightd";
    const localGiven = localArg ?? ".";
    const into =
      localArg === undefined ||
      localGiven.endsWith("/") ||
      statSync(localGiven, { throwIfNoEntry: false })?.isDirectory();
    const progress = ctx.progress();
    const started = performance.now();
    let results: DownloadResult[];
    try {
      if (isFolder) {
        if (!ctx.has("recursive")) throw new CliError(`${remote || "/"} is a folder (use -r)`, EXIT.usage);
        const folder = asFolder(remote);
        const root = into ? join(localGiven, name) : localGiven;
        const entries = await walkRemote(api, folder);
        mkdirSync(root, { recursive: true });
        const pairs = [];
        for (const entry of entries) {
          const rel = entry.path.slice(folder.length);
          if (rel.split("/").some((s) => s === ".." || s === ".")) continue;
          if (entry.type === "folder") mkdirSync(join(root, rel), { recursive: true });
          else pairs.push({ remote: entry.path, local: join(root, rel), size: entry.size });
        }
        results = await downloadMany(api, pairs, progress);
      } else {
        const meta = await fetchMeta(api, remote);
        const target = into ? join(localGiven, meta.name) : localGiven;
        progress.plan(1, meta.size);
        results = [await downloadFile(api, remote, target, progress, meta)];
      }
    } finally {
      progress.finish();
    }
    const bytes = sizeOf(results);
    const received = results.reduce((n, r) => n + r.received, 0);
    return ctx.out.answer({ files: results, bytes, received }, () =>
      ctx.out.note(summary("downloaded", results.length, bytes, started)),
    );
  },
};

export const TRANSFER_COMMANDS = [put, get];
