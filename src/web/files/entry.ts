import type { FileEntry as Entry } from "../../../clients/lightd";
import { parentOf } from "../../domain/paths";
import { api, filesUrl } from "../api";

export type SortKey = "name" | "size" | "updated_at";

/** Folders first, then by the chosen column; names compare like people read them (2 before 10). */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export function sortEntries(entries: Entry[], key: SortKey, ascending: boolean): Entry[] {
  const dir = ascending ? 1 : -1;
  return [...entries].sort((a, b) => {
    if (a.type !== b.type) return a.type === "folder" ? -1 : 1;
    const diff = key === "name" ? collator.compare(a.name, b.name) : (a[key] as number) - (b[key] as number);
    return (diff || collator.compare(a.name, b.name)) * dir;
  });
}

const PAGE = 1000;

/**
 * Every entry of one folder (the API serves at most 1,000 per request, and says when more
 * follow). `known` is how many entries the folder had when last loaded (0: never): the pages
 * known to exist are fetched in parallel, then one at a time until a page says it is the last,
 * so no request asks past the end. A first load shows its first page at once; a reload shows
 * only the whole list, so what is on screen (and its scroll position) never shrinks meanwhile.
 */
export async function loadFolder(
  prefix: string,
  known: number,
  onPage: (entries: Entry[]) => void,
  signal: AbortSignal,
): Promise<Entry[]> {
  const page = (offset: number) => {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (prefix) query.set("prefix", prefix);
    return api<{ entries: Entry[]; truncated: boolean }>("GET", `/files?${query}`);
  };
  const first = await page(0);
  if (signal.aborted) return [];
  if (known === 0 || !first.truncated) onPage(first.entries);
  if (!first.truncated) return first.entries;
  const expected = Array.from({ length: Math.max(0, Math.ceil(known / PAGE) - 1) }, (_, i) => page((i + 1) * PAGE));
  const pages = [first];
  let last = first;
  for (const next of await Promise.all(expected)) {
    pages.push(next);
    last = next;
    if (!next.truncated) break;
  }
  while (last.truncated && last.entries.length > 0) {
    if (signal.aborted) return [];
    last = await page(pages.length * PAGE);
    pages.push(last);
  }
  if (signal.aborted) return [];
  const all = pages.flatMap((p) => p.entries);
  onPage(all);
  return all;
}

export type { Entry };

/** Whether a folder is there (`HEAD /files/{folder}/`); only a 404 says it is not. */
async function folderExists(folder: string): Promise<boolean> {
  const res = await fetch(filesUrl(folder), { method: "HEAD", credentials: "same-origin" });
  return res.status !== 404;
}

/**
 * For a folder that listed empty: null when it exists (it is just empty), else the nearest
 * folder above it that does, up to `home` (where the credential starts), to offer as the way back.
 */
export async function missingFolderParent(prefix: string, home: string): Promise<string | null> {
  if (!prefix || prefix === home || (await folderExists(prefix))) return null;
  let parent = parentOf(prefix);
  while (parent && parent !== home && parent.startsWith(home) && !(await folderExists(parent))) {
    parent = parentOf(parent);
  }
  return parent.startsWith(home) ? parent : home;
}
