import type { Logger } from "../../lib/logger";
import type { BlobStore } from "../../storage/blob/blob-store";
import type { Metadata } from "../../storage/db/metadata";
import { FileLog } from "./log";
import { FilePuts } from "./put";
import type { Quotas } from "./quota";
import { FileReads } from "./reads";
import type { Reclaimer } from "./reclaim";
import type { TreeWrites } from "./tree";
import { FileWrites } from "./writes";

export type { LoggedEvent } from "./log";
export { contentTypeFor, scopeOf } from "./request";
export type { CommitResult } from "./writes";

/**
 * The file tree of one account space, as every front door uses it: reads (./reads.ts), the
 * event log (./log.ts), changes (./writes.ts, ./copy.ts) and uploads (./put.ts). Each part
 * does one job; this class only puts them together behind one name.
 */
export class FileService {
  readonly #reads: FileReads;
  readonly #log: FileLog;
  readonly #writes: FileWrites;
  readonly #puts: FilePuts;

  constructor(
    metadata: Metadata,
    quotas: Quotas,
    /** The steps every change shares (the version service writes through the same one). */
    tree: TreeWrites,
    blobs: BlobStore,
    reclaimer: Reclaimer,
    logger: Logger,
    now = Date.now,
  ) {
    this.#reads = new FileReads(metadata, quotas, blobs);
    this.#log = new FileLog(metadata);
    this.#writes = new FileWrites(tree, blobs, reclaimer, logger, now);
    this.#puts = new FilePuts(metadata, tree, this.#writes, quotas, blobs, reclaimer);
    this.holdObject = (objectKey) => reclaimer.hold(objectKey);
  }

  readonly stat: FileReads["stat"] = (...a) => this.#reads.stat(...a);
  readonly find: FileReads["find"] = (...a) => this.#reads.find(...a);
  readonly list: FileReads["list"] = (...a) => this.#reads.list(...a);
  readonly subtree: FileReads["subtree"] = (...a) => this.#reads.subtree(...a);
  readonly search: FileReads["search"] = (...a) => this.#reads.search(...a);
  readonly stats: FileReads["stats"] = (...a) => this.#reads.stats(...a);
  readonly usesObject: FileReads["usesObject"] = (...a) => this.#reads.usesObject(...a);
  readonly downloadUrl: FileReads["downloadUrl"] = (...a) => this.#reads.downloadUrl(...a);
  readonly downloadable: FileReads["downloadable"] = (...a) => this.#reads.downloadable(...a);

  readonly logFilter: FileLog["logFilter"] = (...a) => this.#log.logFilter(...a);
  readonly log: FileLog["log"] = (...a) => this.#log.log(...a);
  readonly readLog: FileLog["readLog"] = (...a) => this.#log.readLog(...a);
  readonly latestTx: FileLog["latestTx"] = (...a) => this.#log.latestTx(...a);

  readonly mkdir: FileWrites["mkdir"] = (...a) => this.#writes.mkdir(...a);
  readonly commitObject: FileWrites["commitObject"] = (...a) => this.#writes.commitObject(...a);
  readonly move: FileWrites["move"] = (...a) => this.#writes.move(...a);
  readonly copy: FileWrites["copy"] = (...a) => this.#writes.copy(...a);
  readonly remove: FileWrites["remove"] = (...a) => this.#writes.remove(...a);

  readonly precheck: FilePuts["precheck"] = (...a) => this.#puts.precheck(...a);
  readonly requireRoom: FilePuts["requireRoom"] = (...a) => this.#puts.requireRoom(...a);
  readonly quotaExceeded: FilePuts["quotaExceeded"] = (...a) => this.#puts.quotaExceeded(...a);
  readonly reserveUploadBytes: FilePuts["reserveUploadBytes"] = (...a) => this.#puts.reserveUploadBytes(...a);
  readonly settleUploadBytes: FilePuts["settleUploadBytes"] = (...a) => this.#puts.settleUploadBytes(...a);
  readonly putStream: FilePuts["putStream"] = (...a) => this.#puts.putStream(...a);

  /** Keeps the garbage collector off an object this process is about to commit; call the result when done. */
  readonly holdObject: (objectKey: string) => () => void;
}
