import { useState } from "preact/hooks";
import { api, filesUrl } from "../api";
import { formatTime } from "../format";
import { ConfirmDialog, CopyButton, Dialog, ErrorText, useAction } from "../ui";
import type { Entry } from "./entry";

/** Asks for a path (new folder, rename/move, copy) and runs `submit` with it; API errors stay in the dialog. */
export function PathDialog(props: {
  title: string;
  label: string;
  initial: string;
  action: string;
  submit: (path: string) => Promise<unknown>;
  onDone: () => void;
  onClose: () => void;
}) {
  const [path, setPath] = useState(props.initial);
  const { busy, error, submit } = useAction();
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form
        onSubmit={submit(async () => {
          await props.submit(path.trim());
          props.onDone();
        })}
      >
        <label for="path-input">{props.label}</label>
        <input
          id="path-input"
          class="mono"
          required
          value={path}
          aria-describedby={error ? "path-error" : undefined}
          onInput={(e) => setPath(e.currentTarget.value)}
        />
        <ErrorText error={error} id="path-error" />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {props.action}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteDialog({ entry, onDone, onClose }: { entry: Entry; onDone: () => void; onClose: () => void }) {
  const folder = entry.type === "folder";
  return (
    <ConfirmDialog
      title={`Delete ${entry.name}?`}
      text={
        <>
          {folder ? "The folder " : "The file "}
          <strong class="mono">{entry.path}</strong>
          {folder ? " and everything in it will be deleted." : " will be deleted."}
        </>
      }
      action="Delete"
      run={() => api("DELETE", filesUrl(entry.path))}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

const TTLS: [number, string][] = [
  [3600, "1 hour"],
  [86400, "1 day"],
  [259200, "3 days"],
  [604800, "7 days"],
];

export function ShareDialog({ entry, onClose }: { entry: Entry; onClose: () => void }) {
  const [ttl, setTtl] = useState(86400);
  const [maxDownloads, setMaxDownloads] = useState("");
  const [link, setLink] = useState<{ url: string; expires_at: number } | null>(null);
  const { busy, error, submit } = useAction();
  return (
    <Dialog title={`Share ${entry.name}`} onClose={onClose}>
      <form
        onSubmit={submit(async () =>
          setLink(
            await api("POST", "/files/share", {
              path: entry.path,
              ttl,
              ...(maxDownloads.trim() ? { max_downloads: Number(maxDownloads) } : {}),
            }),
          ),
        )}
      >
        <label for="share-ttl">Link expires after</label>
        <select id="share-ttl" value={ttl} onChange={(e) => setTtl(Number(e.currentTarget.value))}>
          {TTLS.map(([s, label]) => (
            <option value={s} key={s}>
              {label}
            </option>
          ))}
        </select>
        <label for="share-max">Most downloads (empty: no limit)</label>
        <input
          id="share-max"
          type="number"
          min={1}
          inputMode="numeric"
          value={maxDownloads}
          onInput={(e) => setMaxDownloads(e.currentTarget.value)}
        />
        <ErrorText error={error} />
        {link ? (
          <div class="secret" role="status">
            <p>
              Anyone with this link can download {entry.type === "folder" ? "everything in the folder" : "the file"}{" "}
              until {formatTime(link.expires_at)}.
            </p>
            <div class="secret-row">
              <input
                readOnly
                class="mono grow"
                value={link.url}
                aria-label="Share link"
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyButton text={link.url} label="Copy link" />
            </div>
          </div>
        ) : (
          <div class="buttons">
            <button type="submit" class="primary" disabled={busy}>
              Create link
            </button>
          </div>
        )}
      </form>
    </Dialog>
  );
}
