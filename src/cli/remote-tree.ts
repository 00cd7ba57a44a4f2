import type { FileEntry as RemoteEntry } from "../../clients/lightd";
import { normalizePath, PathError, type PathKind } from "../domain/paths";
import { type ApiClient, ApiError, encodePath } from "./api-client";
import { CliError } from "./exit";
import { runPool } from "./pool";

interface ListPage {
  prefix: string;
  entries: RemoteEntry[];
  truncated: boolean;
}

/** A path as typed (`/docs/a.txt`, `./docs`) in the API's relative form; "" is the root. */
export function cleanRemote(path: string): string {
  return path.replace(/^(\.?\/)+/, "").replace(/^\.$/, "");
}

/** The folder form of a path: `docs` → `docs/`; the root stays "". */
export function asFolder(path: string): string {
  const clean = cleanRemote(path);
  return clean === "" || clean.endsWith("/") ? clean : `${clean}/`;
}

/**
 * A remote path in the form the server stores it (src/domain/paths.ts: NFC, no control
 * characters, …), so it compares equal to the paths the server answers with: a decomposed
 * local name (`cafe` + U+0301) is the server's `café`. A path the server would refuse is an
 * error naming `local`, the file it comes from. The root ("") stays "".
 */
export function serverPath(path: string, kind: PathKind, local = path): string {
  if (path === "") return "";
  try {
    return normalizePath(path, kind);
  } catch (error) {
    if (error instanceof PathError) throw new CliError(`${JSON.stringify(local)}: ${error.message}`);
    throw error;
  }
}

/** Every entry directly under `prefix`, all pages. */
export async function listFolder(api: ApiClient, prefix: string): Promise<RemoteEntry[]> {
  const entries: RemoteEntry[] = [];
  for (let offset = 0; ; ) {
    const page = await api.json<ListPage>("GET", "/files", {
      query: { prefix: prefix || undefined, limit: 1000, offset },
    });
    entries.push(...page.entries);
    if (!page.truncated || page.entries.length === 0) return entries;
    offset += page.entries.length;
  }
}

/** Every file and folder below `folder` (a folder path or ""), walking folders a few at a time. */
export async function walkRemote(api: ApiClient, folder: string): Promise<RemoteEntry[]> {
  const found: RemoteEntry[] = [];
  let level = [folder];
  while (level.length > 0) {
    const next: string[] = [];
    await runPool(level, 8, async (prefix) => {
      for (const entry of await listFolder(api, prefix)) {
        found.push(entry);
        if (entry.type === "folder") next.push(entry.path);
      }
    });
    level = next;
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether the folder exists on the server (the root always does); other failures are thrown. */
export async function folderExists(api: ApiClient, path: string): Promise<boolean> {
  const folder = asFolder(path);
  if (folder === "") return true;
  try {
    await api.request("GET", `/files/${encodePath(folder)}`);
    return true;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return false;
    throw error;
  }
}

export type { RemoteEntry };
