import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export interface LocalFile {
  /** Path below the walked root, `/`-separated. */
  rel: string;
  abs: string;
  size: number;
}

/**
 * Every regular file below `root` (symlinks to files followed, to folders not: no loops) and
 * the folders that hold nothing, so they can be created too.
 */
export function walkLocal(root: string): { files: LocalFile[]; emptyDirs: string[] } {
  const files: LocalFile[] = [];
  const emptyDirs: string[] = [];
  const visit = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.length === 0 && dir !== root) emptyDirs.push(toRel(root, dir));
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) visit(abs);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        const info = statSync(abs, { throwIfNoEntry: false });
        if (info?.isFile()) files.push({ rel: toRel(root, abs), abs, size: info.size });
      }
    }
  };
  visit(root);
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, emptyDirs };
}

function toRel(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

/** Whether a local name is one of the client's own unfinished downloads. */
export function isPartialDownload(name: string): boolean {
  return name.endsWith(".lightd-part");
}
