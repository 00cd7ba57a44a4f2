import { existsSync, readFileSync } from "node:fs";
import { type BackupS3Config, loadConfigFile, parseConfig, resolveDataDir } from "../../config";
import { createLogger } from "../../lib/logger";
import { UrlSigner } from "../../lib/url-signer";
import { createBlobBackend } from "../../storage/blob/factory";
import { embeddedMetadataPath, openMetadataEngine } from "../../storage/db/engine";
import { blobUrlBuilder } from "../blobs/urls";
import { restoreArchive } from "./restore";
import { backupRefusal, readPassphrase } from "./service";
import { openArchiveSource } from "./targets";
import { verifyArchive } from "./verify";
import { createBackupService } from "./wiring";

export interface BackupCommand {
  kind: "backup";
  to?: string;
  verify?: string;
  passphraseFile?: string;
  dataDir?: string;
}

export interface RestoreCommand {
  kind: "restore";
  from: string;
  passphraseFile?: string;
  dataDir?: string;
}

interface Io {
  out(text: string): void;
  version: string;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * `lightd backup --to PATH` and `--verify PATH`. A backup opens the data dir beside a
 * running server (SQLite allows it): the hold it takes in the database pauses that
 * server's deletion of stored bytes too.
 */
export async function runBackupCommand(command: BackupCommand, configPath: string, io: Io): Promise<number> {
  const passphrase = command.passphraseFile ? readPassphrase(command.passphraseFile) : undefined;
  if (command.verify !== undefined) {
    const source = await openArchiveSource(s3ConnectionFrom(configPath), command.verify);
    const summary = await verifyArchive(source, passphrase);
    io.out(
      `${command.verify}: OK — backup ${summary.header.id} of ${new Date(summary.header.created_at).toISOString()}, ${summary.files} objects, ${mb(summary.bytes)}\n`,
    );
    return 0;
  }
  if (!existsSync(configPath)) throw new Error(`${configPath}: no such config file (give the server's with --config)`);
  const { config } = loadConfigFile(configPath, { persist: false });
  const refused = backupRefusal(config.metadata.engine);
  if (refused) throw new Error(refused);
  const dataDir = resolveDataDir(configPath, config, command.dataDir);
  const dbPath = embeddedMetadataPath(dataDir);
  if (!existsSync(dbPath)) throw new Error(`${dbPath}: no database to back up`);
  const { metadata } = await openMetadataEngine(config, dataDir, process.env);
  const blobs = createBlobBackend(config, dataDir, blobUrlBuilder(new UrlSigner(config.signing_secret))).store;
  try {
    const service = createBackupService({
      metadata,
      blobs,
      config: () => config,
      configPath,
      dataDir,
      // Progress lines go to stderr; stdout carries only the result.
      logger: createLogger((line) => process.stderr.write(`${line}\n`)),
      version: io.version,
      now: Date.now,
    });
    // Ctrl-C stops the run at its next object: what it wrote of the archive is removed and
    // the run is recorded as failed, instead of left "running" beside half a file.
    const run = await stoppable(
      () => void service.stop(),
      () => service.run({ to: command.to, passphraseFile: command.passphraseFile }),
    );
    io.out(
      `${run.path}: backup ${run.id}, ${run.files} objects, ${mb(run.bytes)}${run.encrypted ? ", encrypted" : ""}\n`,
    );
    return 0;
  } finally {
    await blobs.close?.();
    metadata.close();
  }
}

/** Runs `work` with Ctrl-C and SIGTERM calling `stop` (once each) instead of ending the process. */
async function stoppable<T>(stop: () => void, work: () => Promise<T>): Promise<T> {
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await work();
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** `lightd restore --from PATH`: onto an empty data dir only; the config goes to `configPath`. */
export async function runRestoreCommand(command: RestoreCommand, configPath: string, io: Io): Promise<number> {
  const passphrase = command.passphraseFile ? readPassphrase(command.passphraseFile) : undefined;
  const source = await openArchiveSource(s3ConnectionFrom(configPath), command.from);
  // Ctrl-C stops it at its next chunk and removes what it wrote: the data dir is left empty,
  // so the next restore into it is not refused.
  const stopping = new AbortController();
  const restored = await stoppable(
    () => stopping.abort(new Error("the restore was stopped before it finished; what it had written is removed")),
    () =>
      restoreArchive(source, {
        configPath,
        dataDir: command.dataDir,
        passphrase,
        now: Date.now,
        signal: stopping.signal,
      }),
  );
  io.out(
    `restored backup ${restored.id}: ${restored.files} objects into ${restored.dataDir}; config at ${restored.configPath}\n` +
      `start it with: lightd --config ${restored.configPath}\n`,
  );
  return 0;
}

/**
 * Verify and restore may run on a machine with no server config yet: an s3:// archive is
 * reached with the `backups.s3` (else `storage.s3`) section of the file at `configPath`,
 * read alone, since the rest of that file may still be missing.
 */
function s3ConnectionFrom(configPath: string): BackupS3Config | undefined {
  if (!existsSync(configPath)) return undefined;
  let raw: { backups?: { s3?: unknown }; storage?: { s3?: unknown } };
  try {
    raw = JSON.parse(readFileSync(configPath, "utf8"));
  } catch (error) {
    throw new Error(`${configPath}: ${(error as Error).message}`);
  }
  const section = raw?.backups?.s3 ?? raw?.storage?.s3;
  if (section === undefined) return undefined;
  return parseConfig(
    {
      authorization: { token: "lightd_placeholder_placeholder" },
      signing_secret: "x".repeat(32),
      backups: { s3: section },
    },
    configPath,
  ).backups.s3;
}
