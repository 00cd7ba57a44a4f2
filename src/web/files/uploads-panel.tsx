import { useEffect, useState } from "preact/hooks";
import { formatBytes } from "../../lib/format";
import { formatDuration } from "../format";
import type { UploadQueue } from "./upload";

/** Per-file and total progress of the uploads in flight, with speed and time remaining. */
export function UploadsPanel({ queue }: { queue: UploadQueue }) {
  const [, repaint] = useState(0);
  useEffect(() => queue.subscribe(() => repaint((n) => n + 1)), [queue]);
  const items = queue.items;
  if (items.length === 0) return null;
  const total = items.reduce((a, i) => a + i.size, 0);
  const loaded = items.reduce((a, i) => a + (i.state === "failed" || i.state === "skipped" ? i.size : i.loaded), 0);
  const seconds = (performance.now() - queue.startedAt) / 1000;
  const speed = seconds > 0 ? loaded / seconds : 0;
  const running = queue.running;
  const failed = items.filter((i) => i.state === "failed").length;
  return (
    <section class="uploads card" aria-label="Uploads">
      <div class="upload-total">
        <label for="upload-total">
          {running ? "Uploading" : failed ? `Finished, ${failed} failed` : "Uploads complete"}: {formatBytes(loaded)} of{" "}
          {formatBytes(total)}
          {running && speed > 0 && ` · ${formatBytes(speed)}/s · ${formatDuration((total - loaded) / speed)} left`}
        </label>
        <progress id="upload-total" max={total || 1} value={loaded} />
        {!running && (
          <button type="button" onClick={() => queue.clear()}>
            Clear finished uploads
          </button>
        )}
      </div>
      <ul class="upload-list">
        {items.slice(-50).map((item) => (
          <li key={item.id} class={item.state}>
            <span class="upload-name" title={item.path}>
              {item.path}
            </span>
            <progress max={item.size || 1} value={item.loaded} aria-label={`Progress of ${item.path}`} />
            <span class="upload-state">
              {item.state === "failed" ? (
                <span class="error" role="alert">
                  {item.error}
                </span>
              ) : item.state === "done" ? (
                "Done"
              ) : item.state === "skipped" ? (
                "Skipped"
              ) : item.state === "conflict" ? (
                "Already exists"
              ) : (
                `${Math.floor((item.loaded / (item.size || 1)) * 100)} %`
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
