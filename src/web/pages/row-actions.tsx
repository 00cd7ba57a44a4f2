import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { filesUrl } from "../api";
import type { Entry } from "../files/entry";
import { canPreview } from "../files/preview";
import { can, type Me } from "../session";
import { Dialog } from "../ui";

type ActionKind = "move" | "copy" | "delete" | "share" | "preview" | "versions";

/**
 * One button per row opens the actions for that entry, so rows stay narrow on a phone. The
 * button is offered only when the credential's scopes (from /auth/me) leave an action to offer.
 */
export function RowActions(props: { me: Me; entry: Entry; open: (kind: ActionKind) => void }) {
  const [shown, setShown] = useState(false);
  const { me, entry } = props;
  const choose = (kind: ActionKind) => {
    setShown(false);
    props.open(kind);
  };
  const file = entry.type === "file";
  const button = (kind: ActionKind, label: string, danger = false) => (
    <button type="button" key={kind} class={danger ? "danger" : undefined} onClick={() => choose(kind)}>
      {label}
    </button>
  );
  const actions: ComponentChildren[] = [
    file && canPreview(entry) && button("preview", "Preview"),
    file && (
      <a
        key="download"
        class="button"
        href={filesUrl(entry.path)}
        download={entry.name}
        onClick={() => setShown(false)}
      >
        Download
      </a>
    ),
    file && button("versions", "Versions…"),
    can(me, "share") && button("share", "Share link…"),
    can(me, "files:write") && button("move", "Rename or move…"),
    can(me, "files:write") && button("copy", "Copy…"),
    can(me, "files:delete") && button("delete", "Delete…", true),
  ].filter(Boolean);
  if (actions.length === 0) return null;
  return (
    <>
      <button type="button" class="icon" aria-label={`Actions for ${entry.name}`} onClick={() => setShown(true)}>
        ⋯
      </button>
      {shown && (
        <Dialog title={entry.name} onClose={() => setShown(false)}>
          <div class="action-list">{actions}</div>
        </Dialog>
      )}
    </>
  );
}
