import { useEffect, useState } from "preact/hooks";
import { Dialog } from "../ui";
import type { Resolution, UploadQueue } from "./upload";

/**
 * Asks what to do with an upload whose name is taken: replace the file, skip this one, or keep
 * both (the upload gets a free name). One question at a time; in an upload of several files
 * "Do the same for the other files" answers every later clash of that upload too.
 */
export function UploadConflictDialog({ queue }: { queue: UploadQueue }) {
  const [, repaint] = useState(0);
  const [all, setAll] = useState(false);
  useEffect(() => queue.subscribe(() => repaint((n) => n + 1)), [queue]);
  const conflict = queue.conflict;
  if (!conflict) return null;
  const name = conflict.path.slice(conflict.path.lastIndexOf("/") + 1);
  const choose = (choice: Resolution) => {
    queue.answer(choice, all);
    setAll(false);
  };
  return (
    <Dialog key={conflict.path} title={`${name} already exists`} persistent onClose={() => choose("skip")}>
      <p>
        A file named <strong class="mono">{conflict.path}</strong> is already stored. Replace it with the one you are
        uploading, skip this file, or keep both (the upload gets a new name)?
      </p>
      {conflict.batchSize > 1 && (
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
          Do the same for the other files of this upload that already exist
          {conflict.waiting > 0 && ` (${conflict.waiting} more waiting)`}
        </label>
      )}
      <div class="buttons">
        <button type="button" onClick={() => choose("skip")}>
          Skip
        </button>
        <button type="button" onClick={() => choose("keep")}>
          Keep both
        </button>
        <button type="button" class="primary" onClick={() => choose("replace")}>
          Replace
        </button>
      </div>
    </Dialog>
  );
}
