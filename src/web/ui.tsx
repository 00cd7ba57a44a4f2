import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "./api";
import { copyText } from "./format";

/** An API error's message, shown where it happened and announced to screen readers. */
export function ErrorText({ error, id }: { error: string | null | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" id={id}>
      {error}
    </p>
  );
}

/** A form's end: the error of its last attempt, then its primary submit button (disabled while it runs). */
export function SubmitRow(props: { label: string; busy: boolean; error: string | null; errorId?: string }) {
  return (
    <>
      <ErrorText error={props.error} id={props.errorId} />
      <button type="submit" class="primary" disabled={props.busy}>
        {props.label}
      </button>
    </>
  );
}

/** A dialog's first field (or, without one, its primary button, else its first control): where typing should go. */
function firstControl(body: HTMLElement | null): HTMLElement | null {
  if (!body) return null;
  return (
    body.querySelector<HTMLElement>(
      "input:not([type=hidden]):not([readonly]):not([disabled]), select:not([disabled]), textarea:not([readonly])",
    ) ??
    body.querySelector<HTMLElement>("button.primary:not([disabled])") ??
    body.querySelector<HTMLElement>("button:not([disabled]), a[href], textarea, [tabindex]")
  );
}

/**
 * A modal `<dialog>`: focus moves to its first field (so a name typed and Enter do what the
 * dialog is for), Escape or going to another page closes it, the page behind is inert, and on
 * closing focus goes back to the control that opened it. A `persistent` dialog belongs to no one
 * page (a question about an upload) and stays open across pages.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  persistent?: boolean;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const leaving = useRef(false);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    const field = firstControl(body.current);
    field?.focus();
    if (field instanceof HTMLInputElement && field.type === "text") field.setSelectionRange(-1, -1);
    // Back, Forward or a link shows another page: the dialog belonged to the one left.
    const navigated = () => onClose.current();
    if (!props.persistent) addEventListener("hashchange", navigated);
    return () => {
      removeEventListener("hashchange", navigated);
      // An open modal keeps the page inert, so it is closed before focus can go back.
      leaving.current = true;
      dialog?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onClose={() => !leaving.current && props.onClose()}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
      onKeyDown={(e) => {
        // Enter submits from a field; a <select> alone would ignore it.
        const target = e.target;
        if (e.key === "Enter" && target instanceof HTMLSelectElement && target.form) {
          e.preventDefault();
          target.form.requestSubmit();
        }
      }}
    >
      <div class="dialog-head">
        <h2 id="dialog-title">{props.title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </div>
      <div ref={body}>{props.children}</div>
    </dialog>
  );
}

/** What a ConfirmDialog asks: its title and text, the action's button label, and the action. */
export interface Question {
  title: string;
  text: ComponentChildren;
  action: string;
  run: () => Promise<unknown>;
}

/** "Are you sure?" before something that cannot be undone; the action's error stays in the dialog. */
export function ConfirmDialog(props: Question & { onClose: () => void; onDone: () => void }) {
  const { busy, error, run } = useAction();
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.text}</p>
      <ErrorText error={error} />
      <div class="buttons">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await props.run();
              props.onDone();
            })
          }
        >
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <button
      type="button"
      onClick={async () => setState((await copyText(text)) ? "copied" : "failed")}
      aria-live="polite"
    >
      {state === "copied" ? "Copied" : state === "failed" ? "Select and copy" : label}
    </button>
  );
}

/** A secret shown exactly once (new API key or token), with a copy button and a warning. */
export function SecretOnce({ label, secret }: { label: string; secret: string }) {
  return (
    <div class="secret" role="status">
      <p class="warning">
        <strong>Copy this {label} now.</strong> It will not be shown again: lightd keeps only a hash of it.
      </p>
      <div class="secret-row">
        <input
          type="text"
          readOnly
          value={secret}
          aria-label={`New ${label}`}
          class="mono grow"
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={secret} label={`Copy ${label}`} />
      </div>
    </div>
  );
}

/** Runs an async action, tracking busy state and the error message to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(messageOf(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  /** A form's submit handler: the page stays where it is and `action` runs as `run` runs it. */
  const submit = (action: () => Promise<unknown>) => (e: Event) => {
    e.preventDefault();
    void run(action);
  };
  return { busy, error, setError, run, submit };
}

/** The head of a list table: its column names, then an unnamed column of row actions. */
export function ListHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((name) => (
          <th scope="col" key={name}>
            {name}
          </th>
        ))}
        <th scope="col">
          <span class="sr-only">Actions</span>
        </th>
      </tr>
    </thead>
  );
}

/** What a key or an app may do: its scopes, and the path prefix it is held to. */
export function ScopesCell({ scopes, prefix }: { scopes: string[]; prefix?: string | null }) {
  return (
    <td data-label="Scopes">
      {scopes.join(", ")}
      {prefix && <span class="mono"> · {prefix}</span>}
    </td>
  );
}
