import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { parentOf } from "../../domain/paths";
import { formatBytes } from "../../lib/format";
import { api, filesUrl, isTransient, messageOf, retryDelay } from "../api";
import { DeleteDialog, PathDialog, ShareDialog } from "../files/dialogs";
import { type Entry, loadFolder, missingFolderParent, type SortKey, sortEntries } from "../files/entry";
import { useFolderChanges } from "../files/live";
import { canPreview, Preview } from "../files/preview";
import { filesFromDrop, type UploadQueue } from "../files/upload";
import { UploadsPanel } from "../files/uploads-panel";
import { VersionsDialog } from "../files/versions-dialog";
import { VirtualList } from "../files/virtual-list";
import { formatTime } from "../format";
import { href } from "../router";
import { can, type Me } from "../session";
import { ErrorText } from "../ui";
import { Breadcrumbs } from "./breadcrumbs";
import { RowActions } from "./row-actions";
import { Search } from "./search";

type Modal =
  | { kind: "mkdir" | "move" | "copy" | "delete" | "share" | "preview" | "versions"; entry: Entry }
  | { kind: "new-folder" }
  | null;

/** A folder's new path names a folder (ends in `/`), as New folder's does, whether or not it was typed. */
const sameKind = (entry: Entry, to: string) => (entry.type === "folder" && !to.endsWith("/") ? `${to}/` : to);

const COLUMNS: [SortKey, string][] = [
  ["name", "Name"],
  ["size", "Size"],
  ["updated_at", "Modified"],
];

/** `uploads` belongs to the whole dashboard, so going to another page neither stops nor hides an upload. */
export function FilesPage({ me, folder, uploads: queue }: { me: Me; folder: string; uploads: UploadQueue }) {
  const prefix = folder && !folder.endsWith("/") ? `${folder}/` : folder;
  const [entries, setEntries] = useState<Entry[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<{ key: SortKey; asc: boolean }>({ key: "name", asc: true });
  const [modal, setModal] = useState<Modal>(null);
  const [stats, setStats] = useState<{ files: number; bytes: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  /** Set when the folder shown does not exist: the nearest folder above it that does. */
  const [missing, setMissing] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((v) => v + 1);
  /** Failed loads in a row that may pass on a retry (lightd restarting): retried with backoff. */
  const [failures, setFailures] = useState(0);
  const [retrying, setRetrying] = useState(false);
  useEffect(() => queue.onFileDone(reload), [queue]);
  // Changes made elsewhere (another tab, the CLI, WebDAV) show up without a manual reload.
  useFolderChanges(prefix, reload);
  /** The folder last loaded in full and its size: a reload of it keeps the list (and its scroll) until done. */
  const loaded = useRef({ prefix: "", count: 0 });
  const picker = useRef<HTMLInputElement>(null);
  const folderPicker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    setError(null);
    setRetrying(false);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const known = loaded.current.prefix === prefix ? loaded.current.count : 0;
    loadFolder(prefix, known, (all) => !abort.signal.aborted && setEntries([...all]), abort.signal)
      .then(async (all) => {
        if (abort.signal.aborted) return;
        loaded.current = { prefix, count: all.length };
        setFailures(0);
        // An empty list is also what a folder that is not there gives; only asking tells them apart.
        const parent = all.length === 0 ? await missingFolderParent(prefix, me.prefix) : null;
        if (!abort.signal.aborted) setMissing(parent);
      })
      .catch((e) => {
        if (abort.signal.aborted) return;
        setError(messageOf(e));
        if (!isTransient(e)) return;
        setRetrying(true);
        retry = setTimeout(() => {
          setFailures((n) => n + 1);
          reload();
        }, retryDelay(failures));
      })
      .finally(() => !abort.signal.aborted && setLoading(false));
    api<{ files: number; bytes: number }>("GET", "/files/stats").then(setStats, () => setStats(null));
    return () => {
      abort.abort();
      clearTimeout(retry);
    };
  }, [prefix, version]);
  useEffect(() => {
    setEntries([]);
    setMissing(null);
  }, [prefix]);

  const sorted = useMemo(() => sortEntries(entries, sort.key, sort.asc), [entries, sort]);
  const writable = can(me, "files:write");
  const enqueue = (files: { path: string; file: Blob }[]) =>
    queue.add(files.map((f) => ({ ...f, path: prefix + f.path })));
  /** A file picker's choice goes to the upload queue, named by `pathOf`; the picker is cleared for the next one. */
  const picked = (pathOf: (file: File) => string) => (e: { currentTarget: HTMLInputElement }) => {
    enqueue([...(e.currentTarget.files ?? [])].map((file) => ({ path: pathOf(file), file })));
    e.currentTarget.value = "";
  };
  const done = () => {
    setModal(null);
    reload();
  };

  return (
    <section
      class={`files${dragging ? " dragging" : ""}`}
      aria-labelledby="files-title"
      onDragOver={(e) => {
        if (!writable) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(e) => {
        if (!writable || !e.dataTransfer) return;
        e.preventDefault();
        setDragging(false);
        void filesFromDrop(e.dataTransfer.items).then(enqueue, (err) => setError(messageOf(err)));
      }}
    >
      <div class="page-head">
        <h1 id="files-title">Files</h1>
        {stats && (
          <p class="stats">
            {stats.files.toLocaleString()} {stats.files === 1 ? "file" : "files"} · {formatBytes(stats.bytes)}
          </p>
        )}
      </div>
      <Breadcrumbs prefix={prefix} home={me.prefix} />
      <Search />
      {writable && (
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => picker.current?.click()}>
            Upload files
          </button>
          <button type="button" onClick={() => folderPicker.current?.click()}>
            Upload folder
          </button>
          <button type="button" onClick={() => setModal({ kind: "new-folder" })}>
            New folder
          </button>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Files to upload"
            onChange={picked((file) => file.name)}
          />
          <input
            ref={folderPicker}
            type="file"
            hidden
            aria-label="Folder to upload"
            {...{ webkitdirectory: true }}
            onChange={picked((file) => file.webkitRelativePath || file.name)}
          />
          <span class="muted drop-hint">or drop files and folders here</span>
        </div>
      )}
      <UploadsPanel queue={queue} />
      {missing !== null && (
        <div class="card missing-folder" role="status">
          <p>
            <strong>This folder does not exist.</strong> Nothing is stored at <span class="mono">{prefix}</span>; it may
            have been moved or deleted.
          </p>
          <p>
            <a href={href("files", missing)}>Go to {missing ? missing.slice(0, -1) : "Home"}</a>
          </p>
        </div>
      )}
      <ErrorText error={error} />
      {error && !loading && (
        <p>
          <button type="button" onClick={reload}>
            Retry
          </button>
          {retrying && <span class="muted"> Trying again by itself…</span>}
        </p>
      )}
      <div class="table">
        <div class="thead">
          {COLUMNS.map(([key, label]) => (
            <span class={`col-${key}`} key={key}>
              <button
                type="button"
                aria-label={`Sort by ${label.toLowerCase()}${sort.key === key ? (sort.asc ? ", ascending" : ", descending") : ""}`}
                onClick={() => setSort((s) => ({ key, asc: s.key === key ? !s.asc : true }))}
              >
                {label}
                <span aria-hidden="true">{sort.key === key ? (sort.asc ? " ▲" : " ▼") : ""}</span>
              </button>
            </span>
          ))}
          <span class="col-actions" />
        </div>
        <VirtualList
          items={sorted}
          rowHeight={44}
          keyOf={(entry) => entry.path}
          label={`Contents of ${prefix || "Home"}`}
          render={(entry) => (
            <>
              <span class="col-name">
                {entry.type === "folder" ? (
                  <a href={href("files", entry.path)} class="folder" title={entry.name}>
                    <svg class="folder-icon" viewBox="0 0 24 24" aria-hidden="true">
                      <path d="M2 5a2 2 0 0 1 2-2h5l2 2h9a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2z" />
                    </svg>
                    {entry.name}
                  </a>
                ) : canPreview(entry) ? (
                  <button
                    type="button"
                    class="link"
                    title={entry.name}
                    onClick={() => setModal({ kind: "preview", entry })}
                  >
                    {entry.name}
                  </button>
                ) : (
                  <a href={filesUrl(entry.path)} download={entry.name} title={entry.name}>
                    {entry.name}
                  </a>
                )}
              </span>
              <span class="col-size">{entry.type === "folder" ? "—" : formatBytes(entry.size)}</span>
              <span class="col-updated_at">{formatTime(entry.updated_at)}</span>
              <span class="col-actions">
                <RowActions me={me} entry={entry} open={(kind) => setModal({ kind, entry })} />
              </span>
            </>
          )}
        />
      </div>
      <p class="muted" role="status" aria-live="polite">
        {loading
          ? `Loading… ${entries.length.toLocaleString()} entries so far`
          : !error && `${entries.length.toLocaleString()} entries`}
        {!loading && entries.length === 0 && !error && missing === null && " — this folder is empty."}
      </p>
      {modal?.kind === "new-folder" && (
        <PathDialog
          title="New folder"
          label="Folder path"
          initial={prefix}
          action="Create folder"
          submit={(path) => api("POST", "/files/mkdir", { path: path.endsWith("/") ? path : `${path}/` })}
          onDone={done}
          onClose={() => setModal(null)}
        />
      )}
      {modal?.kind === "move" && (
        <PathDialog
          title={`Rename or move ${modal.entry.name}`}
          label="New path"
          initial={modal.entry.path}
          action="Move"
          submit={(to) => api("POST", "/files/move", { from: modal.entry.path, to: sameKind(modal.entry, to) })}
          onDone={done}
          onClose={() => setModal(null)}
        />
      )}
      {modal?.kind === "copy" && (
        <PathDialog
          title={`Copy ${modal.entry.name}`}
          label="Copy to"
          initial={`${parentOf(modal.entry.path)}Copy of ${modal.entry.name}${modal.entry.type === "folder" ? "/" : ""}`}
          action="Copy"
          submit={(to) => api("POST", "/files/copy", { from: modal.entry.path, to: sameKind(modal.entry, to) })}
          onDone={done}
          onClose={() => setModal(null)}
        />
      )}
      {modal?.kind === "delete" && <DeleteDialog entry={modal.entry} onDone={done} onClose={() => setModal(null)} />}
      {modal?.kind === "share" && <ShareDialog entry={modal.entry} onClose={() => setModal(null)} />}
      {modal?.kind === "preview" && <Preview entry={modal.entry} onClose={() => setModal(null)} />}
      {modal?.kind === "versions" && (
        <VersionsDialog me={me} entry={modal.entry} onDone={done} onClose={() => setModal(null)} />
      )}
    </section>
  );
}
