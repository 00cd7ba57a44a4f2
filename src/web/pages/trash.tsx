import type { TrashEntry as Deleted } from "../../../clients/lightd";
import { formatBytes } from "../../lib/format";
import { api, filesUrl, useLoaded } from "../api";
import { formatTime } from "../format";
import { can, type Me } from "../session";
import { ErrorText, useAction } from "../ui";

/** Deleted files still within version retention, newest deletion first; each can be restored. */
export function TrashPage({ me }: { me: Me }) {
  const loaded = useLoaded<{ entries: Deleted[] }>("/files/trash?limit=1000");
  const entries = loaded.data?.entries ?? null;
  const { busy, error, run } = useAction();
  return (
    <section aria-labelledby="trash-title">
      <h1 id="trash-title">Trash</h1>
      <p>Deleted files stay here as long as versions are kept (30 days by default).</p>
      <ErrorText error={loaded.error ?? error} />
      {entries && (
        <ul class="trash">
          {entries.length === 0 && <li>The trash is empty.</li>}
          {entries.map((e) => (
            <li key={e.path}>
              <span class="mono">{e.path}</span>
              <span class="muted">
                {" "}
                · {formatBytes(e.size)} · deleted {formatTime(e.deleted_at)}
              </span>{" "}
              <a class="button" href={`${filesUrl(e.path)}?tx=${e.tx}`} download={e.path.split("/").pop()}>
                Download
              </a>
              {can(me, "files:write") && (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      await api("POST", "/files/restore", { path: e.path, tx: e.tx });
                      await loaded.reload();
                    })
                  }
                >
                  Restore
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
