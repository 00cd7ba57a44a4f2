import { useEffect, useRef } from "preact/hooks";
import type { ChangeEvent } from "../../../clients/lightd";
import { changeTouches } from "../../lib/format";
import { retryDelay } from "../api";

/** Changes within this long are one reload (an upload of many files is one burst of events). */
const SETTLE_MS = 150;

/**
 * Whether a change can alter the listing of `prefix`: it names something inside the folder
 * (either end of a move or copy), or the folder itself or a folder above it (deleted, moved).
 */
export function changeShows(event: Pick<ChangeEvent, "path" | "dest">, prefix: string): boolean {
  if (changeTouches(event, prefix)) return true;
  return [event.path, event.dest].some((p) => typeof p === "string" && p.endsWith("/") && prefix.startsWith(p));
}

/**
 * Calls `onChange` when the live change feed (`/events`, as Activity reads it) reports a change
 * to the folder `prefix` from any client — another tab, the CLI, WebDAV — so the list never shows
 * what is gone. The browser resumes a dropped stream by itself (Last-Event-ID); a stream the
 * server ended is opened again with backoff, and then the folder is reloaded, since changes may
 * have been missed meanwhile. A hidden tab closes its stream (a browser allows six connections
 * to one HTTP/1.1 host across all its tabs) and reloads when shown again.
 */
export function useFolderChanges(prefix: string, onChange: () => void): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    let source: EventSource | null = null;
    let settle: ReturnType<typeof setTimeout> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;
    const changed = () => {
      clearTimeout(settle);
      settle = setTimeout(() => callback.current(), SETTLE_MS);
    };
    const open = (resumed: boolean) => {
      const feed = new EventSource("/events");
      source = feed;
      feed.onopen = () => {
        failures = 0;
        if (resumed) changed();
      };
      feed.onmessage = (m) => {
        try {
          if (changeShows(JSON.parse(m.data) as ChangeEvent, prefix)) changed();
        } catch {}
      };
      const reopen = () => {
        feed.close();
        if (stopped || source !== feed) return;
        clearTimeout(retry);
        retry = setTimeout(() => open(true), retryDelay(failures++));
      };
      feed.addEventListener("close", reopen);
      feed.onerror = () => feed.readyState === EventSource.CLOSED && reopen();
    };
    const visibility = () => {
      clearTimeout(retry);
      source?.close();
      source = null;
      if (document.visibilityState === "visible") open(true);
    };
    if (document.visibilityState === "visible") open(false);
    document.addEventListener("visibilitychange", visibility);
    return () => {
      stopped = true;
      document.removeEventListener("visibilitychange", visibility);
      clearTimeout(settle);
      clearTimeout(retry);
      source?.close();
    };
  }, [prefix]);
}
