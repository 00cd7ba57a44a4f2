import { AppError } from "../../domain/errors";
import type { Principal } from "../../domain/principal";
import type { DownloadSource } from "../../http/download";
import type { Logger } from "../../lib/logger";
import type { DavPropertyRepository, DeadProperty, FileFacts } from "../../storage/db/dav-properties";
import type { FileRow } from "../../storage/db/files";
import { type FileService, scopeOf } from "../files/service";
import type { LockService } from "./locks";

/** At most this many dead properties per resource, each at most this large: a property store, not a file store. */
export const MAX_DEAD_PROPERTIES = 256;
export const MAX_PROPERTY_BYTES = 64 * 1024;

export type PropertyChange = { set: true; property: DeadProperty } | { set: false; ns: string; name: string };

/**
 * What WebDAV keeps beside the file tree: dead properties, the modtime and checksum a
 * client sent with its bytes, and locks. The tree itself changes only through FileService.
 */
export class DavService {
  constructor(
    readonly files: FileService,
    readonly locks: LockService,
    /** The stored bytes GET serves. */
    readonly objects: DownloadSource,
    private readonly properties: DavPropertyRepository,
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {}

  deadProperties(row: FileRow | null): DeadProperty[] {
    return row ? this.properties.forFile(row.id) : [];
  }

  deadPropertiesOfChildren(principal: Principal, folder: string): Map<number, DeadProperty[]> {
    return this.properties.forChildren(scopeOf(principal), folder);
  }

  facts(row: FileRow | null): FileFacts | null {
    return row ? this.properties.facts(row.id) : null;
  }

  factsOfChildren(principal: Principal, folder: string): Map<number, FileFacts> {
    return this.properties.factsForChildren(scopeOf(principal), folder);
  }

  /** Records what the client said about the content it just wrote (bound to that content's etag). */
  recordFacts(row: FileRow, facts: { mtime: number | null; checksum: string | null }): void {
    if (facts.mtime === null && facts.checksum === null) return;
    this.properties.setFacts(row.id, { etag: row.etag ?? "", ...facts });
  }

  /** Sets a file's modification time as a client sees it (rclone's PROPPATCH of getlastmodified). */
  setModifiedTime(row: FileRow, mtime: number): void {
    const current = this.facts(row);
    const checksum = current && current.etag === (row.etag ?? "") ? current.checksum : null;
    this.properties.setFacts(row.id, { etag: row.etag ?? "", mtime, checksum });
  }

  /** Applies a PROPPATCH's changes in document order, all or nothing. */
  patch(row: FileRow, changes: PropertyChange[]): void {
    this.properties.transaction(() => {
      for (const change of changes) {
        if (change.set) this.properties.set(row.id, change.property);
        else this.properties.remove(row.id, change.ns, change.name);
      }
      if (this.properties.forFile(row.id).length > MAX_DEAD_PROPERTIES) {
        throw new AppError("payload_too_large", `At most ${MAX_DEAD_PROPERTIES} properties per resource`);
      }
    });
  }

  /** After a copy: the copies get the dead properties of the rows they were copied from. */
  copyProperties(principal: Principal, from: string, to: string, withMembers: boolean): void {
    const sources =
      from.endsWith("/") && withMembers ? this.files.subtree(principal, from) : [this.files.find(principal, from)];
    for (const source of sources) {
      if (!source) continue;
      const copy = this.files.find(principal, to + source.path.slice(from.length));
      if (copy) this.properties.copy(source.id, copy.id);
    }
  }
}
