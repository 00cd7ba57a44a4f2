import { AppError } from "../../domain/errors";
import type { StoredEntry } from "../../domain/files";
import type { Principal } from "../../domain/principal";
import type { Logger } from "../../lib/logger";
import type { ObjectSource } from "../../storage/blob/factory";
import type { DeadProperty, FileFacts } from "../../storage/db/dav-properties";
import type { Metadata } from "../../storage/db/metadata";
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
    readonly objects: ObjectSource,
    private readonly metadata: Metadata,
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {}

  async deadProperties(row: StoredEntry | null): Promise<DeadProperty[]> {
    return row ? this.metadata.read.davProperties.forFile(row.id) : [];
  }

  deadPropertiesOfChildren(principal: Principal, folder: string): Promise<Map<number, DeadProperty[]>> {
    return this.metadata.read.davProperties.forChildren(scopeOf(principal), folder);
  }

  async facts(row: StoredEntry | null): Promise<FileFacts | null> {
    return row ? this.metadata.read.davProperties.facts(row.id) : null;
  }

  factsOfChildren(principal: Principal, folder: string): Promise<Map<number, FileFacts>> {
    return this.metadata.read.davProperties.factsForChildren(scopeOf(principal), folder);
  }

  /** Records what the client said about the content it just wrote (bound to that content's etag). */
  async recordFacts(row: StoredEntry, facts: { mtime: number | null; checksum: string | null }): Promise<void> {
    if (facts.mtime === null && facts.checksum === null) return;
    await this.metadata.write((tx) => tx.davProperties.setFacts(row.id, { etag: row.etag ?? "", ...facts }));
  }

  /** Sets a file's modification time as a client sees it (rclone's PROPPATCH of getlastmodified). */
  setModifiedTime(row: StoredEntry, mtime: number): Promise<void> {
    return this.metadata.write(async (tx) => {
      const current = await tx.davProperties.facts(row.id);
      const checksum = current && current.etag === (row.etag ?? "") ? current.checksum : null;
      await tx.davProperties.setFacts(row.id, { etag: row.etag ?? "", mtime, checksum });
    });
  }

  /** Applies a PROPPATCH's changes in document order, all or nothing. */
  patch(row: StoredEntry, changes: PropertyChange[]): Promise<void> {
    return this.metadata.write(async (tx) => {
      for (const change of changes) {
        if (change.set) await tx.davProperties.set(row.id, change.property);
        else await tx.davProperties.remove(row.id, change.ns, change.name);
      }
      if ((await tx.davProperties.forFile(row.id)).length > MAX_DEAD_PROPERTIES) {
        throw new AppError("payload_too_large", `At most ${MAX_DEAD_PROPERTIES} properties per resource`);
      }
    });
  }

  /** After a copy: the copies get the dead properties of the rows they were copied from. */
  async copyProperties(principal: Principal, from: string, to: string, withMembers: boolean): Promise<void> {
    const sources =
      from.endsWith("/") && withMembers
        ? await this.files.subtree(principal, from)
        : [await this.files.find(principal, from)];
    const pairs: [number, number][] = [];
    for (const source of sources) {
      if (!source) continue;
      const copy = await this.files.find(principal, to + source.path.slice(from.length));
      if (copy) pairs.push([source.id, copy.id]);
    }
    await this.metadata.write(async (tx) => {
      for (const [fromId, toId] of pairs) await tx.davProperties.copy(fromId, toId);
    });
  }
}
