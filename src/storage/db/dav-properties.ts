/** A WebDAV dead property: its qualified name and its value as a self-contained XML fragment. */
export interface DeadProperty {
  ns: string;
  name: string;
  value: string;
}

/** What a client told lightd about a file's content (modtime, checksum), valid while `etag` is current. */
export interface FileFacts {
  etag: string;
  mtime: number | null;
  checksum: string | null;
}
