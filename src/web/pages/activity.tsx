import { useEffect, useState } from "preact/hooks";
import type { ChangeEvent } from "../../../clients/lightd";
import { changedPaths, changeTouches, formatBytes } from "../../lib/format";
import { api, messageOf } from "../api";
import { formatTime } from "../format";
import { ErrorText } from "../ui";

const SHOWN = 200;

/** The account's change log (tx order from the API), shown newest first, filterable by path. */
export function ActivityPage() {
  const [events, setEvents] = useState<ChangeEvent[]>([]);
  const [path, setPath] = useState("");
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);

  useEffect(() => {
    let stop = false;
    let source: EventSource | null = null;
    setError(null);
    setLive(false);
    (async () => {
      // The log is read forward from tx 0; keep the newest SHOWN events.
      let since = 0;
      let all: ChangeEvent[] = [];
      for (;;) {
        const query = new URLSearchParams({ since_tx: String(since), limit: "1000" });
        if (filter) query.set("path", filter);
        const page = await api<{ events: ChangeEvent[] }>("GET", `/files/log?${query}`);
        if (stop) return;
        all = all.concat(page.events).slice(-SHOWN);
        if (page.events.length > 0) since = (page.events.at(-1) as ChangeEvent).tx;
        if (page.events.length < 1000) break;
      }
      setEvents(all.reverse());
      // Then live, from exactly where the log ended.
      if (stop) return;
      source = new EventSource(`/events?since_tx=${since}`);
      source.onopen = () => setLive(true);
      source.onerror = () => setLive(false);
      source.onmessage = (m) => {
        try {
          const event = JSON.parse(m.data) as ChangeEvent;
          if (!changeTouches(event, filter)) return;
          // A reconnecting EventSource resumes after its last id; never show a tx twice.
          setEvents((list) => (list.some((e) => e.tx === event.tx) ? list : [event, ...list].slice(0, SHOWN)));
        } catch {}
      };
      // The server ends a stream it will not continue (credential revoked, shutdown) with `close`.
      source.addEventListener("close", () => {
        source?.close();
        setLive(false);
      });
    })().catch((e) => setError(messageOf(e)));
    return () => {
      stop = true;
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
        {live ? "Live: new changes appear as they happen." : "Newest first."}
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
