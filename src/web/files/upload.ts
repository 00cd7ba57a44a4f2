import { api, filesUrl, messageOf } from "../api";

/**
 * The upload engine: small files go in one streamed PUT, large ones through multipart with
 * parts sent in parallel and a failed part retried. XMLHttpRequest is used because it
 * reports upload progress (fetch does not).
 */
export const PART_SIZE = 8 * 1024 * 1024;
const MULTIPART_FROM = 2 * PART_SIZE;
const PARALLEL_PARTS = 3;
const PARALLEL_FILES = 2;
const PART_ATTEMPTS = 3;

export interface UploadItem {
  id: number;
  path: string;
  size: number;
  loaded: number;
  state: "queued" | "uploading" | "done" | "failed";
  error?: string;
}

interface Job {
  item: UploadItem;
  file: Blob;
}

function send(method: string, url: string, body: Blob, onProgress: (loaded: number) => void): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("accept", "application/json");
    if (body.type) xhr.setRequestHeader("content-type", body.type);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr);
      let message = `${xhr.status} ${xhr.statusText}`;
      try {
        message = (JSON.parse(xhr.responseText) as { message?: string }).message ?? message;
      } catch {}
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error("The connection failed during the upload"));
    xhr.send(body);
  });
}

export class UploadQueue {
  readonly items: UploadItem[] = [];
  startedAt = 0;
  #jobs: Job[] = [];
  #active = 0;
  #nextId = 1;
  #listeners = new Set<() => void>();
  #changed = 0;

  constructor(private readonly onFileDone: () => void) {}

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    // Progress events come in bursts; repaint at most once per frame.
    if (this.#changed) return;
    this.#changed = requestAnimationFrame(() => {
      this.#changed = 0;
      for (const l of this.#listeners) l();
    });
  }

  add(files: { path: string; file: Blob }[]): void {
    if (this.items.every((i) => i.state === "done" || i.state === "failed")) {
      this.items.length = 0;
      this.startedAt = performance.now();
    }
    for (const { path, file } of files) {
      const item: UploadItem = { id: this.#nextId++, path, size: file.size, loaded: 0, state: "queued" };
      this.items.push(item);
      this.#jobs.push({ item, file });
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

  async #run({ item, file }: Job): Promise<void> {
    item.state = "uploading";
    this.#notify();
    try {
      if (file.size >= MULTIPART_FROM) await this.#multipart(item, file);
      else
        await send("PUT", filesUrl(item.path), file, (loaded) => {
          item.loaded = loaded;
          this.#notify();
        });
      item.loaded = item.size;
      item.state = "done";
      this.onFileDone();
    } catch (error) {
      item.state = "failed";
      item.error = messageOf(error);
    }
    this.#notify();
  }

  async #multipart(item: UploadItem, file: Blob): Promise<void> {
    const count = Math.ceil(file.size / PART_SIZE);
    const upload = await api<{ upload_id: string; part_urls: string[] }>("POST", "/files/uploads/multipart", {
      path: item.path,
      ...(file.type ? { content_type: file.type } : {}),
      part_count: count,
    });
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
      await api("POST", "/files/uploads/multipart/abort", { path: item.path, upload_id: upload.upload_id }).catch(
        () => {},
      );
      throw error;
    }
    await api("POST", "/files/uploads/multipart/complete", {
      path: item.path,
      upload_id: upload.upload_id,
      parts: etags.map((etag, i) => ({ part_number: i + 1, etag })),
    });
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
