import { useState } from "preact/hooks";
import type { Account } from "../../../clients/lightd";
import { api, useLoaded } from "../api";
import { formatTime } from "../format";
import { ConfirmDialog, ErrorText, SubmitRow, useAction } from "../ui";

/** Account administration: the admin account only (the server enforces it). */
export function AdminPage() {
  const { data, error, reload: load } = useLoaded<{ accounts: Account[] }>("/admin/accounts");
  const accounts = data?.accounts ?? null;
  const [deleting, setDeleting] = useState<Account | null>(null);
  const [actor, setActor] = useState("");
  const [email, setEmail] = useState("");
  const [publicKey, setPublicKey] = useState("");
  const create = useAction();
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Accounts</h1>
      <form
        class="card"
        aria-labelledby="new-account-title"
        onSubmit={create.submit(async () => {
          await api("POST", "/admin/accounts", {
            actor: actor.trim(),
            ...(email.trim() ? { email: email.trim() } : {}),
            ...(publicKey.trim() ? { public_key: publicKey.trim() } : {}),
          });
          setActor("");
          setEmail("");
          setPublicKey("");
          void load();
        })}
      >
        <h2 id="new-account-title">New account</h2>
        <label for="acc-actor">Account name</label>
        <input id="acc-actor" required value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        <label for="acc-email">E-mail (for magic-link sign-in, optional)</label>
        <input id="acc-email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="acc-key">Ed25519 public key, base64 (optional)</label>
        <input id="acc-key" class="mono" value={publicKey} onInput={(e) => setPublicKey(e.currentTarget.value)} />
        <SubmitRow label="Create account" busy={create.busy} error={create.error} />
      </form>
      <ErrorText error={error} />
      {accounts && (
        <ul class="accounts">
          {accounts.map((a) => (
            <li key={a.actor} class="card">
              <strong>{a.actor}</strong> <span class="badge">{a.type}</span>
              <span class="muted">
                {" "}
                {a.actor === "admin"
                  ? "the master token"
                  : (a.email ?? (a.public_key ? "Ed25519 key" : "no sign-in method"))}{" "}
                · since {formatTime(a.created_at)}
              </span>
              {a.actor !== "admin" && (
                <button
                  type="button"
                  class="danger"
                  aria-label={`Delete account ${a.actor}`}
                  onClick={() => setDeleting(a)}
                >
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete account ${deleting.actor}?`}
          text="The account, its keys, sessions and every file it stores are removed. This cannot be undone."
          action="Delete account"
          run={() => api("DELETE", `/admin/accounts/${encodeURIComponent(deleting.actor)}`)}
          onClose={() => setDeleting(null)}
          onDone={() => {
            setDeleting(null);
            void load();
          }}
        />
      )}
    </section>
  );
}
