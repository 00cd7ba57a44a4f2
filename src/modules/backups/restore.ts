import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Config, parseConfig, resolveDataDir, writeFileAtomic } from "../../config";
import { UrlSigner } from "../../lib/url-signer";
import type { BlobStore } from "../../storage/blob/blob-store";
import { createBlobBackend } from "../../storage/blob/factory";
import { snapshotFiles } from "../../storage/db/engine";
import type { ObjectRef } from "../../storage/db/snapshot";
import { blobUrlBuilder } from "../blobs/urls";
import { readArchive } from "./archive-reader";
import { ArchiveError } from "./errors";
import { toStream } from "./hashing";
import type { BackupHeader } from "./layout";
import { snapshotRefs } from "./verify";

export interface RestoreOptions {
  /** Where the restored config.json goes. If a file is there, its `storage` section says where the bytes go. */
  configPath: string;
  /** Data dir to restore into instead of the config's `storage.dir` (written into the restored config). */
  dataDir?: string;
  passphrase?: string;
  now: () => number;
  /** Once aborted (Ctrl-C on `lightd restore`), the restore throws its reason and removes what it wrote. */
  signal?: AbortSignal;
}

export interface RestoreSummary {
  id: string;
  configPath: string;
  dataDir: string;
  files: number;
  bytes: number;
}

interface Target {
  header: BackupHeader;
  config: Config;
  text: string;
  dataDir: string;
  createdDir: boolean;
  blobs: BlobStore;
}

/** A target that is not empty (or not usable): restore never mixes a backup with other data. */
const refused = (why: string) => new ArchiveError("target_not_empty", why);

function readStorage(path: string): unknown {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { storage?: unknown }).storage;
  } catch (error) {
    throw refused(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Restores an archive onto an empty data dir (and, for S3, a bucket prefix holding no
 * objects): it never mixes a backup with other data. Every byte is checked against the
 * manifest before the restored config.json is written, so a refused archive leaves no
 * server that would start; what was written before the refusal (or a stop) is removed.
 */
export async function restoreArchive(
  source: AsyncIterable<Uint8Array>,
  options: RestoreOptions,
): Promise<RestoreSummary> {
  const configPath = resolve(options.configPath);
  let target: Target | undefined;
  let snapshotPath = "";
  const written: string[] = [];
  try {
    const summary = await readArchive(
      options.signal ? untilAborted(source, options.signal) : source,
      {
        async config(bytes, header) {
          target = await prepareTarget(bytes, header, configPath, options.dataDir);
          snapshotPath = join(target.dataDir, ".restoring.db");
        },
        async snapshot(body) {
          await Bun.write(snapshotPath, new Response(toStream(body)));
          return snapshotRefs((target as Target).header.engine, snapshotPath);
        },
        async object(ref: ObjectRef, body) {
          written.push(ref.key);
          await (target as Target).blobs.putStream(ref.key, toStream(body), {
            contentType: ref.contentType ?? undefined,
          });
        },
      },
      options.passphrase,
    );
    const done = target as Target;
    snapshotFiles(done.header.engine).install(snapshotPath, done.dataDir, {
      id: summary.header.id,
      files: summary.files,
      bytes: summary.bytes,
      finishedAt: options.now(),
    });
    writeFileAtomic(configPath, done.text);
    await done.blobs.close?.();
    return { id: summary.header.id, configPath, dataDir: done.dataDir, files: summary.files, bytes: summary.bytes };
  } catch (error) {
    if (target) await undo(target, written);
    throw error;
  }
}

/** The archive's bytes until `signal` is aborted; then its reason, thrown. */
async function* untilAborted(source: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    signal.throwIfAborted();
    yield chunk;
  }
}

async function prepareTarget(
  bytes: Uint8Array,
  header: BackupHeader,
  configPath: string,
  dataOverride?: string,
): Promise<Target> {
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown> & {
    storage?: Record<string, unknown>;
  };
  let changed = false;
  if (existsSync(configPath)) {
    const storage = readStorage(configPath);
    if (storage !== undefined) {
      raw.storage = storage as Record<string, unknown>;
      changed = true;
    }
  }
  if (dataOverride !== undefined) {
    raw.storage = { ...(raw.storage ?? {}), dir: resolve(dataOverride) };
    changed = true;
  }
  const config = parseConfig(raw, configPath);
  if (config.storage.backend !== header.backend) {
    throw new ArchiveError(
      "unsupported",
      `the archive was taken from a ${header.backend} store; restore it with storage.backend "${header.backend}"`,
    );
  }
  const dataDir = resolveDataDir(configPath, config);
  const createdDir = !existsSync(dataDir);
  if (!createdDir && !statSync(dataDir).isDirectory()) {
    throw refused(`the data dir ${dataDir} is a file: restore into an empty or new folder`);
  }
  if (!createdDir && readdirSync(dataDir).length > 0) {
    throw refused(`the data dir ${dataDir} is not empty: restore only into an empty or new one`);
  }
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw refused(`cannot create the data dir ${dataDir}: ${(error as Error).message}`);
  }
  const blobs = createBlobBackend(config, dataDir, blobUrlBuilder(new UrlSigner(config.signing_secret))).store;
  const target: Target = {
    header,
    config,
    text: changed ? `${JSON.stringify(raw, null, 2)}\n` : new TextDecoder().decode(bytes),
    dataDir,
    createdDir,
    blobs,
  };
  if (blobs.kind === "s3") {
    for await (const _ of blobs.listObjects()) {
      const where = `${config.storage.s3?.bucket}${config.storage.s3?.key_prefix ? ` (key_prefix ${config.storage.s3.key_prefix})` : ""}`;
      await undo(target, []);
      throw refused(`the bucket ${where} already holds objects: restore into an empty bucket or a new key_prefix`);
    }
  }
  return target;
}

/** Removes what a refused restore wrote: the objects, and the data dir's contents (it was empty). */
async function undo(target: Target, written: string[]): Promise<void> {
  if (target.blobs.kind === "s3") {
    for (const key of written) await target.blobs.delete(key).catch(() => {});
  }
  await target.blobs.close?.();
  if (target.createdDir) rmSync(target.dataDir, { recursive: true, force: true });
  else
    for (const entry of readdirSync(target.dataDir))
      rmSync(join(target.dataDir, entry), { recursive: true, force: true });
}
