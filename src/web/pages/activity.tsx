import { useEffect, useState } from "preact/hooks";
import type { ChangeEvent } from "../../../clients/lightd";
import { changedPaths, changeTouches, formatBytes } from "../../lib/format";
import { api, isTransient, messageOf, retryDelay } from "../api";
import { formatTime } from "../format";
import { ErrorText } from "../ui";

const SHOWN = 200;

/** The account's change log, newest first (only the newest are read), filterable by path; live after that. */
export function ActivityPage() {
  const [events, setEvents] = useState<ChangeEvent[]>([]);
  const [path, setPath] = useState("");
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [reconnecting, setReconnecting] = useState(false);

  useEffect(() => {
    let stop = false;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    // The last tx seen: the log is read forward from it, and the live feed resumes after it.
    let since = 0;
    setError(null);
    setLive(false);
    setReconnecting(false);

    /** The newest `limit` changes (under `path`), newest first. */
    const newest = (limit: number, path: string) => {
      const query = new URLSearchParams({ order: "desc", limit: String(limit) });
      if (path) query.set("path", path);
      return api<{ events: ChangeEvent[] }>("GET", `/files/log?${query}`);
    };
    /**
     * The first read takes the newest changes only; a later one reads the log from `since` on
     * and adds what was missed.
     */
    const catchUp = async (first: boolean) => {
      if (first) {
        // The feed goes on after the newest change of all, read first: one made between the two
        // reads then shows once (the feed's copy of it is dropped as seen).
        const last = filter ? (await newest(1, "")).events : null;
        const shown = (await newest(SHOWN, filter)).events;
        if (stop) return;
        since = (last ?? shown)[0]?.tx ?? 0;
        setEvents(shown);
        return;
      }
      let fresh: ChangeEvent[] = [];
      for (;;) {
        const query = new URLSearchParams({ since_tx: String(since), limit: "1000" });
        if (filter) query.set("path", filter);
        const page = await api<{ events: ChangeEvent[] }>("GET", `/files/log?${query}`);
        if (stop) return;
        fresh = fresh.concat(page.events).slice(-SHOWN);
        if (page.events.length > 0) since = (page.events.at(-1) as ChangeEvent).tx;
        if (page.events.length < 1000) break;
      }
      fresh.reverse();
      setEvents((list) => [...fresh.filter((e) => !list.some((o) => o.tx === e.tx)), ...list].slice(0, SHOWN));
    };
    /** Lost the feed or the log (lightd restarting): try again later, with backoff, from `since`. */
    const again = () => {
      source?.close();
      source = null;
      setLive(false);
      if (stop) return;
      setReconnecting(true);
      clearTimeout(retry);
      retry = setTimeout(() => void connect(false), retryDelay(failures++));
    };
    const connect = async (first: boolean) => {
      try {
        await catchUp(first);
      } catch (e) {
        if (stop) return;
        if (!isTransient(e)) {
          setReconnecting(false);
          setError(messageOf(e));
          return;
        }
        return again();
      }
      if (stop) return;
      // Then live, from exactly where the log ended.
      const feed = new EventSource(`/events?since_tx=${since}`);
      source = feed;
      feed.onopen = () => {
        failures = 0;
        setReconnecting(false);
        setLive(true);
      };
      // The browser's own reconnection would resume from its first URL's tx; this resumes from the last seen.
      feed.onerror = again;
      feed.onmessage = (m) => {
        try {
          const event = JSON.parse(m.data) as ChangeEvent;
          since = Math.max(since, event.tx);
          if (!changeTouches(event, filter)) return;
          setEvents((list) => (list.some((e) => e.tx === event.tx) ? list : [event, ...list].slice(0, SHOWN)));
        } catch {}
      };
      // The server ends a stream it will not continue (credential revoked, shutdown) with `close`;
      // the log read before reconnecting tells which (a revoked credential signs the page out).
      feed.addEventListener("close", again);
    };
    void connect(true);
    return () => {
      stop = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [filter]);

  return (
    <section aria-labelledby="activity-title">
      <h1 id="activity-title">Activity</h1>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(path.trim());
        }}
      >
        <label for="activity-path">Path or folder</label>
        <input
          id="activity-path"
          class="mono grow"
          placeholder="docs/"
          value={path}
          onInput={(e) => setPath(e.currentTarget.value)}
        />
        <button type="submit">Filter</button>
      </form>
      <p class="muted" role="status">
        {live
          ? "Live: new changes appear as they happen."
          : reconnecting
            ? "Not live: lightd cannot be reached; reconnecting…"
            : "Newest first."}
      </p>
      <ErrorText error={error} />
      <ol class="events">
        {events.map((e) => (
          <li key={e.tx}>
            <span class="tx">#{e.tx}</span> <strong>{e.action}</strong> <span class="mono">{changedPaths(e)}</span>
            {e.size !== null && <span class="muted"> · {formatBytes(e.size)}</span>}
            {e.msg && <span class="muted"> · “{e.msg}”</span>}
            <span class="muted"> · {formatTime(e.ts)}</span>
          </li>
        ))}
      </ol>
      {events.length === 0 && !error && <p>No changes yet.</p>}
    </section>
  );
}
