import { ApiError, api, filesUrl, messageOf } from "../api";

/**
 * The upload engine: small files go in one streamed PUT, large ones through multipart with
 * parts sent in parallel and a failed part retried. XMLHttpRequest is used because it
 * reports upload progress (fetch does not).
 *
 * Every upload is create-only (`If-None-Match: *`): a file already at the path is replaced
 * only after the person says so, and then only the version they were asked about (`If-Match`).
 */
export const PART_SIZE = 8 * 1024 * 1024;
const MULTIPART_FROM = 2 * PART_SIZE;
const PARALLEL_PARTS = 3;
const PARALLEL_FILES = 2;
const PART_ATTEMPTS = 3;
const CREATE_ONLY: Record<string, string> = { "if-none-match": "*" };

export interface UploadItem {
  id: number;
  path: string;
  size: number;
  loaded: number;
  state: "queued" | "uploading" | "conflict" | "done" | "skipped" | "failed";
  error?: string;
}

/** What to do with a file whose name is taken: replace the file, skip the upload, or upload under a free name. */
export type Resolution = "replace" | "skip" | "keep";

/** The question the queue is waiting on: the file at `path` already exists. */
export interface Conflict {
  path: string;
  /** Further files of the same upload waiting with the same question. */
  waiting: number;
  /** How many files were chosen together with this one ("apply to all" means something above 1). */
  batchSize: number;
}

/** Files added together: one answer may be kept for all of them. */
interface Batch {
  size: number;
  policy?: Resolution;
}

interface Job {
  item: UploadItem;
  file: Blob;
  batch: Batch;
}

const isPreconditionFailed = (error: unknown) => error instanceof ApiError && error.status === 412;

function send(
  method: string,
  url: string,
  body: Blob,
  onProgress: (loaded: number) => void,
  headers: Record<string, string> = {},
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("accept", "application/json");
    if (body.type) xhr.setRequestHeader("content-type", body.type);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr);
      let message = `${xhr.status} ${xhr.statusText}`;
      let code = "error";
      try {
        const body = JSON.parse(xhr.responseText) as { error?: string; message?: string };
        message = body.message ?? message;
        code = body.error ?? code;
      } catch {}
      reject(new ApiError(xhr.status, code, message));
    };
    xhr.onerror = () => reject(new Error("The connection failed during the upload"));
    xhr.send(body);
  });
}

/** The ETag of the file at `path` now, or null when there is none. */
async function currentEtag(path: string): Promise<string | null> {
  const res = await fetch(`${filesUrl(path)}?redirect=false`, { method: "HEAD", credentials: "same-origin" });
  if (res.status === 404) return null;
  if (!res.ok) throw new ApiError(res.status, "error", `${res.status} ${res.statusText}`.trim());
  return res.headers.get("etag");
}

/** `name (1).ext`, `name (2).ext`, … beside `path`: the first that does not exist yet. */
async function freePath(path: string): Promise<string> {
  const slash = path.lastIndexOf("/") + 1;
  const name = path.slice(slash);
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 1; ; n++) {
    const candidate = `${path.slice(0, slash)}${stem} (${n})${ext}`;
    if ((await currentEtag(candidate)) === null) return candidate;
  }
}

export class UploadQueue {
  readonly items: UploadItem[] = [];
  startedAt = 0;
  #jobs: Job[] = [];
  #asks: { job: Job; resolve: (choice: Resolution) => void }[] = [];
  #active = 0;
  #nextId = 1;
  #listeners = new Set<() => void>();
  #storedListeners = new Set<() => void>();
  #changed = 0;

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` each time a file has been stored (the folder showing it may reload). */
  onFileDone(listener: () => void): () => void {
    this.#storedListeners.add(listener);
    return () => this.#storedListeners.delete(listener);
  }

  #notify(): void {
    // Progress events come in bursts; repaint at most once per frame.
    if (this.#changed) return;
    this.#changed = requestAnimationFrame(() => {
      this.#changed = 0;
      for (const l of this.#listeners) l();
    });
  }

  /** True while a file is queued, being sent or waiting for an answer. */
  get running(): boolean {
    return this.items.some((i) => i.state === "queued" || i.state === "uploading" || i.state === "conflict");
  }

  /** The first file waiting for the person to say what to do with the existing one, if any. */
  get conflict(): Conflict | null {
    const first = this.#asks[0];
    if (!first) return null;
    const waiting = this.#asks.filter((a) => a !== first && a.job.batch === first.job.batch).length;
    return { path: first.job.item.path, waiting, batchSize: first.job.batch.size };
  }

  /** The answer to `conflict`; with `all`, also to every later file of the same upload whose name is taken. */
  answer(choice: Resolution, all: boolean): void {
    const first = this.#asks.shift();
    if (!first) return;
    const batch = first.job.batch;
    let answered = [first];
    if (all) {
      batch.policy = choice;
      answered = answered.concat(this.#asks.filter((a) => a.job.batch === batch));
      this.#asks = this.#asks.filter((a) => a.job.batch !== batch);
    }
    for (const a of answered) a.resolve(choice);
    this.#notify();
  }

  /** Forgets the finished uploads (the panel, shown on every page, goes away); nothing while one runs. */
  clear(): void {
    if (this.running) return;
    this.items.length = 0;
    this.#notify();
  }

  add(files: { path: string; file: Blob }[]): void {
    if (!this.running) {
      this.items.length = 0;
      this.startedAt = performance.now();
    }
    const batch: Batch = { size: files.length };
    for (const { path, file } of files) {
      const item: UploadItem = { id: this.#nextId++, path, size: file.size, loaded: 0, state: "queued" };
      this.items.push(item);
      this.#jobs.push({ item, file, batch });
    }
    this.#notify();
    this.#pump();
  }

  #pump(): void {
    while (this.#active < PARALLEL_FILES && this.#jobs.length > 0) {
      const job = this.#jobs.shift() as Job;
      this.#active++;
      void this.#run(job).finally(() => {
        this.#active--;
        this.#pump();
      });
    }
  }

  async #run(job: Job): Promise<void> {
    const { item, file } = job;
    item.state = "uploading";
    this.#notify();
    try {
      const stored = file.size >= MULTIPART_FROM ? await this.#multipart(job) : await this.#put(job);
      if (stored) {
        item.loaded = item.size;
        item.state = "done";
        for (const l of this.#storedListeners) l();
      } else item.state = "skipped";
    } catch (error) {
      item.state = "failed";
      item.error = messageOf(error);
    }
    this.#notify();
  }

  /**
   * The path is taken: asks (unless this upload already has an answer for all) and returns the
   * conditions of the next attempt, having moved the item to a free name for "keep both";
   * null to skip it. A replace names the version the person saw, so a change meanwhile asks again.
   */
  async #resolve(job: Job): Promise<Record<string, string> | null> {
    const { item } = job;
    let choice = job.batch.policy;
    if (!choice) {
      item.state = "conflict";
      choice = await new Promise<Resolution>((resolve) => {
        this.#asks.push({ job, resolve });
        this.#notify();
      });
      item.state = "uploading";
    }
    if (choice === "skip") return null;
    if (choice === "keep") {
      item.path = await freePath(item.path);
      return CREATE_ONLY;
    }
    const etag = await currentEtag(item.path);
    // Deleted meanwhile: creating it is what the person wanted, still without overwriting another.
    return etag ? { "if-match": etag } : CREATE_ONLY;
  }

  async #put(job: Job): Promise<boolean> {
    const { item, file } = job;
    for (let conditions = CREATE_ONLY; ; ) {
      try {
        await send(
          "PUT",
          filesUrl(item.path),
          file,
          (loaded) => {
            item.loaded = loaded;
            this.#notify();
          },
          conditions,
        );
        return true;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        item.loaded = 0;
        const next = await this.#resolve(job);
        if (!next) return false;
        conditions = next;
      }
    }
  }

  /** `asked`: the conditions the person's answer gave (a replace of one version); create-only before that. */
  async #multipart(job: Job, asked?: Record<string, string>): Promise<boolean> {
    const { item, file } = job;
    const count = Math.ceil(file.size / PART_SIZE);
    let upload: { upload_id: string; part_urls: string[] };
    try {
      // The server checks the condition here too, so a taken name is asked about before any byte goes.
      upload = await api<{ upload_id: string; part_urls: string[] }>(
        "POST",
        "/files/uploads/multipart",
        { path: item.path, ...(file.type ? { content_type: file.type } : {}), part_count: count },
        asked ?? CREATE_ONLY,
      );
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      const then = await this.#resolve(job);
      return then ? this.#multipart(job, then) : false;
    }
    const path = item.path;
    const abort = () =>
      api("POST", "/files/uploads/multipart/abort", { path, upload_id: upload.upload_id }).catch(() => {});
    const progress = new Array<number>(count).fill(0);
    const etags = new Array<string>(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const part = file.slice(index * PART_SIZE, Math.min(file.size, (index + 1) * PART_SIZE));
        for (let attempt = 1; ; attempt++) {
          try {
            const xhr = await send("PUT", upload.part_urls[index] as string, part, (loaded) => {
              progress[index] = loaded;
              item.loaded = progress.reduce((a, b) => a + b, 0);
              this.#notify();
            });
            etags[index] = xhr.getResponseHeader("etag") ?? "";
            break;
          } catch (error) {
            progress[index] = 0;
            if (attempt >= PART_ATTEMPTS) throw error;
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, count) }, worker));
    } catch (error) {
      await abort();
      throw error;
    }
    const parts = etags.map((etag, i) => ({ part_number: i + 1, etag }));
    // A completion refused by its condition (a change while the parts went up) leaves the upload
    // pending: a replace completes it again.
    for (let conditions = asked ?? CREATE_ONLY; ; ) {
      try {
        await api(
          "POST",
          "/files/uploads/multipart/complete",
          { path, upload_id: upload.upload_id, parts },
          conditions,
        );
        return true;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        const then = await this.#resolve(job);
        if (!then) {
          await abort();
          return false;
        }
        conditions = then;
        // Keep both: the parts belong to the old path, so the file goes up again under the new one.
        if (item.path !== path) {
          await abort();
          item.loaded = 0;
          return this.#multipart(job, then);
        }
      }
    }
  }
}

/** Every file under a dropped item, folders walked recursively, with its path relative to the drop. */
export async function filesFromDrop(items: DataTransferItemList): Promise<{ path: string; file: File }[]> {
  // Entries must be taken while the drop event runs; items without one (some sources) still give a file.
  const dropped = [...items]
    .filter((i) => i.kind === "file")
    .map((i) => ({ entry: i.webkitGetAsEntry(), file: i.getAsFile() }));
  const out: { path: string; file: File }[] = [];
  const walk = async (entry: FileSystemEntry, base: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ path: base + entry.name, file });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, `${base}${entry.name}/`);
    }
  };
  for (const { entry, file } of dropped) {
    if (entry) await walk(entry, "");
    else if (file) out.push({ path: file.name, file });
  }
  return out;
}
