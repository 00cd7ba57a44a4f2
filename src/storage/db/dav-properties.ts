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

/** A row read for several files at once (a folder's children), with the file it belongs to. */
export type OfFile<T> = T & { file_id: number };

/** Dead properties read for several files, grouped by file id. */
export function propertiesByFile(rows: Iterable<OfFile<DeadProperty>>): Map<number, DeadProperty[]> {
  const out = new Map<number, DeadProperty[]>();
  for (const row of rows) {
    const list = out.get(row.file_id) ?? [];
    list.push({ ns: row.ns, name: row.name, value: row.value });
    out.set(row.file_id, list);
  }
  return out;
}

/** File facts read for several files, by file id. */
export function factsByFile(rows: OfFile<FileFacts>[]): Map<number, FileFacts> {
  const out = new Map<number, FileFacts>();
  for (const row of rows) out.set(row.file_id, { etag: row.etag, mtime: row.mtime, checksum: row.checksum });
  return out;
}
