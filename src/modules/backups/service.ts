import { mkdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Config } from "../../config";
import { AppError } from "../../domain/errors";
import { randomBase62 } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import type { BackupRow } from "../../storage/db/backups";
import { type BackupSource, backupHoldId, HOLD_LEASE_MS, writeArchive } from "./create";
import { encryptingSink } from "./encryption";
import { archiveName } from "./layout";
import type { BackupView as BackupViewSchema } from "./model";
import { backupS3Connection, isS3Url } from "./s3-target";
import { CountingSink } from "./sink";
import { openArchiveTarget, pruneArchives } from "./targets";

export type BackupView = typeof BackupViewSchema.static;

export interface RunOptions {
  /** A file path, a directory, or s3://bucket/prefix; default `backups.to`. */
  to?: string;
  /** Default `backups.passphrase_file`. */
  passphraseFile?: string;
  /** Keep only this many archives in `to` afterwards (scheduled and admin runs). */
  keep?: number;
}

/** Reads a passphrase file: its text without the final line break; an empty one is refused. */
export function readPassphrase(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the passphrase file ${path}: ${(error as Error).message}`);
  }
  const passphrase = text.replace(/\r?\n$/, "");
  if (passphrase.length === 0) throw new Error(`the passphrase file ${path} is empty`);
  return passphrase;
}

/**
 * Why a server on `engine` cannot take a backup, or null when it can: an archive holds a
 * SQLite snapshot, and a Postgres deployment is backed up by Postgres itself. Asked before a
 * run starts (the admin route, the schedule, `lightd backup`), so nothing is recorded as run.
 */
export function backupRefusal(engine: "sqlite" | "postgres"): string | null {
  return engine === "postgres"
    ? "Backups archive the embedded SQLite metadata; back up a Postgres metadata engine with pg_dump or your Postgres service's backups"
    : null;
}

function targetBeside(configPath: string, to: string): string {
  return isS3Url(to) || isAbsolute(to) ? to : resolve(dirname(configPath), to);
}

export function backupView(row: BackupRow): BackupView {
  return { ...row, encrypted: row.encrypted === 1 };
}

/** What a run that a stop cut short throws (a 503 to an admin's request for it). */
const interrupted = () =>
  new AppError("service_unavailable", "lightd is stopping: the backup was stopped before it finished");
/** The reason kept with a run that a stop cut short. */
export const STOPPED = "interrupted: lightd was stopped before the backup finished";
/** The reason kept with a run whose process ended without finishing it (a crash, a kill). */
export const ABANDONED = "interrupted: the process running the backup ended before it finished";

/**
 * Runs backups (one at a time per process) and lists past runs. HTTP-free: the admin
 * routes, the scheduler and `lightd backup` all call `run`.
 */
export class BackupService {
  /** Set by `stop()`: the run under way is aborted and no new one starts. */
  readonly #stopping = new AbortController();
  /** The run under way (one at a time), settled (never rejected) when it has ended, and its id once it has one. */
  #current: Promise<unknown> | null = null;
  #currentId: string | null = null;

  constructor(
    private readonly source: BackupSource,
    private readonly config: () => Config,
    private readonly logger: Logger,
  ) {}

  /** How many archives scheduled and admin runs keep in `backups.to`. */
  keep(): number {
    return this.config().backups.keep;
  }

  /** When the last run started (Unix ms), if any: the schedule counts from it. */
  async lastStarted(): Promise<number | undefined> {
    return (await this.source.metadata.read.backups.recent(1))[0]?.started_at;
  }

  async list(limit = 100): Promise<BackupView[]> {
    return (await this.source.metadata.read.backups.recent(limit)).map(backupView);
  }

  /** Why this server cannot take a backup (its metadata engine), or null when it can. */
  refusal(): string | null {
    return backupRefusal(this.source.metadata.engine);
  }

  async run(options: RunOptions = {}): Promise<BackupView> {
    const refused = this.refusal();
    if (refused) throw new AppError("conflict", refused);
    const config = this.config();
    // A relative backups.to is beside config.json, like storage.dir; --to is as the shell gave it.
    const to = options.to ?? (config.backups.to && targetBeside(this.source.configPath, config.backups.to));
    if (!to) throw new AppError("conflict", "No backup target: set backups.to in config.json");
    if (this.#stopping.signal.aborted) throw interrupted();
    if (this.#current !== null) throw new AppError("conflict", "A backup is already running");
    // backups.to names a directory (or prefix); the first run makes it.
    if (options.to === undefined && !isS3Url(to)) mkdirSync(to, { recursive: true, mode: 0o700 });
    const run = this.#run(config, to, options);
    this.#current = run.catch(() => {});
    try {
      return await run;
    } finally {
      this.#current = null;
      this.#currentId = null;
    }
  }

  /**
   * Stops the run under way (the server is shutting down, or `lightd backup` was interrupted):
   * it ends at its next object or chunk, removes what it wrote of the archive, and is recorded as
   * failed; no run starts after this. Resolves when the run has ended.
   */
  async stop(): Promise<void> {
    this.#stopping.abort(interrupted());
    await this.#current;
  }

  /**
   * Records as failed the runs whose process ended without finishing them (a crash, a kill): a
   * run renews its hold (./create.ts) while it works, so one still "running" whose hold has
   * lapsed is not working any more, whichever process or instance started it. Returns how many.
   */
  async sweepAbandoned(): Promise<number> {
    const { metadata, now } = this.source;
    const started = now();
    let swept = 0;
    for (const row of await metadata.read.backups.recent(100)) {
      // A run takes its hold right after its row: give it a lease's time before judging it.
      // This process's own run is at work (between its hold's release and its last row, too).
      if (row.status !== "running" || row.started_at > started - HOLD_LEASE_MS || row.id === this.#currentId) continue;
      const until = await metadata.read.holds.until(backupHoldId(row.id));
      if (until !== null && until > started) continue;
      const failed = { status: "failed" as const, files: 0, bytes: 0, error: ABANDONED, finished_at: started };
      await metadata.write((tx) => tx.backups.finish(row.id, failed));
      swept++;
    }
    return swept;
  }

  async #run(config: Config, to: string, options: RunOptions): Promise<BackupView> {
    const passphraseFile = options.passphraseFile ?? config.backups.passphrase_file;
    const passphrase = passphraseFile ? readPassphrase(passphraseFile) : undefined;
    const id = randomBase62(12);
    this.#currentId = id;
    const startedAt = this.source.now();
    const target = await openArchiveTarget(
      backupS3Connection(config),
      to,
      archiveName(id, startedAt, passphrase !== undefined),
    );
    // The row goes in before the snapshot, so a restored server lists the backup it came from.
    const { metadata } = this.source;
    const started = { id, path: target.path, encrypted: passphrase !== undefined, started_at: startedAt };
    await metadata.write((tx) => tx.backups.start(started));
    const counted = new CountingSink(target.sink);
    try {
      const sink = passphrase === undefined ? counted : await encryptingSink(counted, passphrase);
      const { files } = await writeArchive(this.source, sink, id, this.#stopping.signal);
      const done = {
        status: "done" as const,
        files,
        bytes: counted.bytes,
        error: null,
        finished_at: this.source.now(),
      };
      await metadata.write((tx) => tx.backups.finish(id, done));
      this.logger.info("backup finished", { id, path: target.path, files, bytes: counted.bytes });
    } catch (error) {
      await counted.abort().catch(() => {});
      const stopped = this.#stopping.signal.aborted;
      const message = stopped ? STOPPED : error instanceof Error ? error.message : String(error);
      const failed = { status: "failed" as const, files: 0, bytes: 0, error: message, finished_at: this.source.now() };
      await metadata.write((tx) => tx.backups.finish(id, failed));
      if (stopped) this.logger.warn("backup stopped before it finished", { id, path: target.path });
      else this.logger.error("backup failed", { id, path: target.path, error: message });
      throw error;
    }
    if (options.keep !== undefined) {
      const removed = await pruneArchives(backupS3Connection(config), to, options.keep).catch((error) => {
        this.logger.warn("could not remove old backups", { to, error: String(error) });
        return 0;
      });
      if (removed > 0) this.logger.info("old backups removed", { to, removed });
    }
    return backupView((await metadata.read.backups.get(id)) as BackupRow);
  }
}
