import { useEffect, useState } from "preact/hooks";
import { formatBytes } from "../../lib/format";
import { errorOf, filesUrl } from "../api";
import { Dialog, ErrorText } from "../ui";
import type { Entry } from "./entry";

const TEXT_LIMIT = 256 * 1024;

function kindOf(entry: Entry): "image" | "pdf" | "text" | null {
  const type = entry.content_type ?? "";
  if (type.startsWith("image/")) return "image";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("text/") || /json|xml|javascript|yaml|toml|csv/.test(type)) return "text";
  if (/\.(txt|md|log|csv|json|ya?ml|toml|ini|conf|sh|ts|js|py|go|rs|c|h)$/i.test(entry.name)) return "text";
  return null;
}

export function canPreview(entry: Entry): boolean {
  return entry.type === "file" && kindOf(entry) !== null;
}

/** Preview of an image, a PDF or the start of a text file, fetched through the public download route. */
export function Preview({ entry, onClose }: { entry: Entry; onClose: () => void }) {
  const kind = kindOf(entry);
  const [url, setUrl] = useState<string | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    (async () => {
      const res = await fetch(filesUrl(entry.path), {
        credentials: "same-origin",
        headers: kind === "text" ? { range: `bytes=0-${TEXT_LIMIT - 1}` } : {},
      });
      if (!res.ok) throw await errorOf(res);
      if (kind === "text") setText(await res.text());
      else {
        const blob = await res.blob();
        objectUrl = URL.createObjectURL(new Blob([blob], { type: entry.content_type ?? blob.type }));
        setUrl(objectUrl);
      }
    })().catch((e: Error) => setError(e.message));
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [entry.path]);
  return (
    <Dialog title={entry.name} onClose={onClose}>
      <div class="preview">
        <ErrorText error={error} />
        {!error && !url && text === null && <p>Loading…</p>}
        {kind === "image" && url && <img src={url} alt={entry.name} />}
        {kind === "pdf" && url && <iframe src={url} title={`PDF ${entry.name}`} />}
        {kind === "text" && text !== null && (
          <textarea
            readOnly
            rows={20}
            class="mono text-preview"
            aria-label={`Contents of ${entry.name}`}
            value={
              entry.size > TEXT_LIMIT
                ? `${text}\n… (first ${formatBytes(TEXT_LIMIT)} of ${formatBytes(entry.size)})`
                : text
            }
          />
        )}
      </div>
    </Dialog>
  );
}
