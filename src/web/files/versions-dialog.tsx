import type { FileVersion as Version } from "../../../clients/lightd";
import { formatBytes } from "../../lib/format";
import { api, filesUrl, useLoaded } from "../api";
import { formatTime } from "../format";
import { can, type Me } from "../session";
import { Dialog, ErrorText, useAction } from "../ui";
import type { Entry } from "./entry";

const ENDED: Record<string, string> = {
  upload: "overwritten",
  move: "moved away",
  delete: "deleted",
  restore: "replaced by a restore",
};

/** A file's versions: each can be downloaded as it was, or made current again (one new tx). */
export function VersionsDialog(props: { me: Me; entry: Entry; onDone: () => void; onClose: () => void }) {
  const { entry } = props;
  const loaded = useLoaded<{ versions: Version[] }>(`/files/versions?path=${encodeURIComponent(entry.path)}`);
  const versions = loaded.data?.versions ?? null;
  const { busy, error, run } = useAction();
  const restore = (tx: number) =>
    run(async () => {
      await api("POST", "/files/restore", { path: entry.path, tx });
      props.onDone();
    });
  return (
    <Dialog title={`Versions of ${entry.name}`} onClose={props.onClose}>
      <ErrorText error={loaded.error ?? error} />
      {versions === null && !loaded.error && <p class="loading">Loading…</p>}
      {versions && (
        <ol class="versions">
          {versions.map((v) => (
            <li key={`${v.tx}-${v.ended_tx}`}>
              <span class="tx">#{v.tx}</span> {formatTime(v.ts)} · {formatBytes(v.size)}
              <span class="muted">
                {" · "}
                {v.current ? "current" : `${ENDED[v.ended_by ?? ""] ?? v.ended_by} at #${v.ended_tx}`}
              </span>{" "}
              <a class="button" href={`${filesUrl(entry.path)}?tx=${v.tx}`} download={entry.name}>
                Download
              </a>
              {!v.current && can(props.me, "files:write") && (
                <button type="button" disabled={busy} onClick={() => void restore(v.tx)}>
                  Restore
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
    </Dialog>
  );
}
