export interface FileRow {
  id: number;
  account_id: number;
  space: string;
  path: string;
  parent: string;
  name: string;
  type: "file" | "folder";
  object_key: string | null;
  size: number;
  content_type: string | null;
  etag: string | null;
  tx: number;
  created_at: number;
  updated_at: number;
}

export interface Scope {
  account: number;
  space: string;
}

export type NewFile = Omit<FileRow, "id" | "created_at"> & { created_at?: number };
