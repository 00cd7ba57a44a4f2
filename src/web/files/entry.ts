import { api } from "../api";

export interface Entry {
  name: string;
  path: string;
  type: "file" | "folder";
  size: number;
  content_type: string | null;
  updated_at: number;
}

export type SortKey = "name" | "size" | "updated_at";

/** Folders first, then by the chosen column; names compare like people read them (2 before 10). */
export function sortEntries(entries: Entry[], key: SortKey, ascending: boolean): Entry[] {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const dir = ascending ? 1 : -1;
  return [...entries].sort((a, b) => {
    if (a.type !== b.type) return a.type === "folder" ? -1 : 1;
    const diff = key === "name" ? collator.compare(a.name, b.name) : (a[key] as number) - (b[key] as number);
    return (diff || collator.compare(a.name, b.name)) * dir;
  });
}

const PAGE = 1000;

/** Every entry of one folder, page by page (the API serves at most 1,000 per request). */
export async function loadFolder(
  prefix: string,
  onPage: (entries: Entry[]) => void,
  signal: AbortSignal,
): Promise<Entry[]> {
  const all: Entry[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (prefix) query.set("prefix", prefix);
    const page = await api<{ entries: Entry[]; truncated: boolean }>("GET", `/files?${query}`);
    if (signal.aborted) return all;
    all.push(...page.entries);
    onPage(all);
    if (!page.truncated || page.entries.length === 0) return all;
  }
}

export function parentOf(path: string): string {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  const slash = trimmed.lastIndexOf("/");
  return slash === -1 ? "" : trimmed.slice(0, slash + 1);
}
