import type { FileEntry as Entry } from "../../../clients/lightd";
import { api } from "../api";

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
const PARALLEL_PAGES = 4;

/**
 * Every entry of one folder (the API serves at most 1,000 per request). The first page is
 * shown at once; the rest are fetched a few at a time in parallel and shown together, so a
 * folder of 10,000 is sorted and rendered twice, not ten times.
 */
export async function loadFolder(
  prefix: string,
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
  onPage(first.entries);
  if (!first.truncated) return first.entries;
  const pages = [first.entries];
  for (let offset = PAGE, done = false; !done; offset += PARALLEL_PAGES * PAGE) {
    const batch = await Promise.all(Array.from({ length: PARALLEL_PAGES }, (_, i) => page(offset + i * PAGE)));
    if (signal.aborted) return [];
    for (const next of batch) {
      if (done) break;
      pages.push(next.entries);
      done = !next.truncated || next.entries.length === 0;
    }
  }
  const all = pages.flat();
  onPage(all);
  return all;
}

export type { Entry };
