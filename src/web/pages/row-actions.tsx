import { useState } from "preact/hooks";
import { filesUrl } from "../api";
import type { Entry } from "../files/entry";
import { canPreview } from "../files/preview";
import { can, type Me } from "../session";
import { Dialog } from "../ui";

type ActionKind = "move" | "copy" | "delete" | "share" | "preview" | "versions";

/** One button per row opens the actions for that entry, so rows stay narrow on a phone. */
export function RowActions(props: { me: Me; entry: Entry; open: (kind: ActionKind) => void }) {
  const [shown, setShown] = useState(false);
  const { me, entry } = props;
  const choose = (kind: ActionKind) => {
    setShown(false);
    props.open(kind);
  };
  const file = entry.type === "file";
  return (
    <>
      <button type="button" class="icon" aria-label={`Actions for ${entry.name}`} onClick={() => setShown(true)}>
        ⋯
      </button>
      {shown && (
        <Dialog title={entry.name} onClose={() => setShown(false)}>
          <div class="action-list">
            {file && canPreview(entry) && (
              <button type="button" onClick={() => choose("preview")}>
                Preview
              </button>
            )}
            {file && (
              <a class="button" href={filesUrl(entry.path)} download={entry.name} onClick={() => setShown(false)}>
                Download
              </a>
            )}
            {file && (
              <button type="button" onClick={() => choose("versions")}>
                Versions…
              </button>
            )}
            {can(me, "share") && (
              <button type="button" onClick={() => choose("share")}>
                Share link…
              </button>
            )}
            {can(me, "files:write") && (
              <button type="button" onClick={() => choose("move")}>
                Rename or move…
              </button>
            )}
            {can(me, "files:write") && (
              <button type="button" onClick={() => choose("copy")}>
                Copy…
              </button>
            )}
            {can(me, "files:delete") && (
              <button type="button" class="danger" onClick={() => choose("delete")}>
                Delete…
              </button>
            )}
          </div>
        </Dialog>
      )}
    </>
  );
}
