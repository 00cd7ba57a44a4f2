import type { StoredEntry } from "../../domain/files";

/** A row of `files`: the entry the services hand out, and where the store files it. */
export interface FileRow extends StoredEntry {
  account_id: number;
  space: string;
  parent: string;
}

export interface Scope {
  account: number;
  space: string;
}

export type NewFile = Omit<FileRow, "id" | "created_at"> & { created_at?: number };
