import { useState } from "preact/hooks";
import type { SearchHit as Hit } from "../../../clients/lightd";
import { parentOf } from "../../domain/paths";
import { formatBytes } from "../../lib/format";
import { api, filesUrl } from "../api";
import { href } from "../router";
import { ErrorText, useAction } from "../ui";

/** Search over names and paths; results come ranked by the server, best match first. */
export function Search() {
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<Hit[] | null>(null);
  const { busy, error, run } = useAction();
  return (
    <div class="search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          // The field itself, not state: a submit right after typing may precede the re-render.
          const query = String(new FormData(e.currentTarget).get("q") ?? "").trim();
          setQ(query);
          if (!query) return setHits(null);
          void run(async () =>
            setHits((await api<{ results: Hit[] }>("GET", `/files/search?q=${encodeURIComponent(query)}`)).results),
          );
        }}
      >
        <label for="search-q" class="sr-only">
          Search files
        </label>
        <input
          id="search-q"
          name="q"
          class="grow"
          type="search"
          placeholder="Search files"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Search
        </button>
        {hits && (
          <button type="button" onClick={() => setHits(null)}>
            Clear
          </button>
        )}
      </form>
      <ErrorText error={error} />
      {hits && (
        <section aria-label="Search results" class="card">
          {hits.length === 0 ? (
            <p>No files match “{q}”.</p>
          ) : (
            <ol class="hits">
              {hits.map((hit) => (
                <li key={hit.path}>
                  <a href={filesUrl(hit.path)} download={hit.name}>
                    {hit.name}
                  </a>{" "}
                  <span class="muted">
                    in <a href={href("files", parentOf(hit.path))}>{parentOf(hit.path) || "Home"}</a> ·{" "}
                    {formatBytes(hit.size)}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </div>
  );
}
