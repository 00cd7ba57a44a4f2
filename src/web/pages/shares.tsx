import type { ShareLink as ShareInfo } from "../../../clients/lightd";
import { api, messageOf, useLoaded } from "../api";
import { formatTime } from "../format";
import { href } from "../router";
import { CopyButton, ErrorText } from "../ui";

/** Live share links with their expiry, and revocation, when this server lists shares. */
export function SharesPage() {
  const { data, error, setError, reload: load } = useLoaded<{ shares: ShareInfo[] }>("/files/shares");
  const shares = data?.shares ?? null;
  return (
    <section aria-labelledby="shares-title">
      <h1 id="shares-title">Shares</h1>
      <p>
        Create a share link from the actions (⋯) of a file or folder in <a href={href("files")}>Files</a>: anyone
        holding the link can download until it expires.
      </p>
      <ErrorText error={error} />
      {shares && (
        <ul class="shares">
          {shares.length === 0 && <li>No live share links.</li>}
          {shares.map((s) => (
            <li key={s.id} class="card">
              <span class="mono share-path">{s.path}</span>
              <span class="muted">
                expires {formatTime(s.expires_at)} · {s.downloads}
                {s.max_downloads === null ? "" : ` of ${s.max_downloads}`}{" "}
                {s.downloads === 1 && s.max_downloads === null ? "download" : "downloads"}
              </span>
              {s.url && <CopyButton text={s.url} label="Copy link" />}
              <button
                type="button"
                class="danger"
                aria-label={`Revoke share of ${s.path}`}
                onClick={() =>
                  api("DELETE", `/files/shares/${encodeURIComponent(s.id)}`).then(load, (e) => setError(messageOf(e)))
                }
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
