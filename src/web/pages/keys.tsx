import { useState } from "preact/hooks";
import type { KeyMetadata as KeyInfo } from "../../../clients/lightd";
import { api, useLoaded } from "../api";
import { formatTime } from "../format";
import { can, type Me } from "../session";
import { ConfirmDialog, Dialog, ErrorText, ListHead, ScopesCell, SecretOnce, useAction } from "../ui";
import { EXPIRIES, KeyForm } from "./key-form";

/** API keys: create (secret shown once), list with usage, rotate with a new expiry, revoke. */
export function KeysPage({ me }: { me: Me }) {
  const { data, error, reload: load } = useLoaded<{ keys: KeyInfo[] }>("/auth/keys");
  const keys = data?.keys ?? null;
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [rotating, setRotating] = useState<KeyInfo | null>(null);
  const [revoking, setRevoking] = useState<KeyInfo | null>(null);
  const writable = can(me, "keys:write");
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p class="muted">
        A key can do what you can, narrowed to its scopes and path prefix. Test keys see a separate, empty space.
      </p>
      {writable && (
        <KeyForm
          me={me}
          onCreated={(created) => {
            setSecret(created);
            void load();
          }}
        />
      )}
      {secret && (
        <div class="card">
          <h2>Key “{secret.name}” created</h2>
          <SecretOnce label="API key" secret={secret.token} />
          <button type="button" onClick={() => setSecret(null)}>
            I have stored it
          </button>
        </div>
      )}
      <h2>Your keys</h2>
      <ErrorText error={error} />
      {keys && keys.length === 0 && <p>No keys yet.</p>}
      {keys && keys.length > 0 && (
        <div>
          <table class="keys">
            <caption class="sr-only">API keys</caption>
            <ListHead columns={["Name", "Scopes · prefix", "Created", "Expires", "Last used", "Uses"]} />
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <th scope="row" data-label="Name">
                    {k.name || k.id} <span class={`badge ${k.environment}`}>{k.environment}</span>
                  </th>
                  <ScopesCell scopes={k.scopes} prefix={k.prefix} />
                  <td data-label="Created">{formatTime(k.created_at)}</td>
                  <td data-label="Expires">{k.expires_at === null ? "never" : formatTime(k.expires_at)}</td>
                  <td data-label="Last used">{k.last_used_at === null ? "never" : formatTime(k.last_used_at)}</td>
                  <td data-label="Uses">{k.use_count}</td>
                  <td class="actions">
                    {writable && (
                      <>
                        <button type="button" onClick={() => setRotating(k)} aria-label={`Rotate ${k.name || k.id}`}>
                          Rotate
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() => setRevoking(k)}
                          aria-label={`Revoke ${k.name || k.id}`}
                        >
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rotating && (
        <RotateDialog
          info={rotating}
          onClose={() => setRotating(null)}
          onRotated={(token) => {
            setRotating(null);
            setSecret({ name: rotating.name || rotating.id, token });
            void load();
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name || revoking.id}?`}
          text="Programs using this key will be refused from their very next request. This cannot be undone."
          action="Revoke key"
          run={() => api("DELETE", `/auth/keys/${encodeURIComponent(revoking.id)}`)}
          onClose={() => setRevoking(null)}
          onDone={() => {
            setRevoking(null);
            void load();
          }}
        />
      )}
    </section>
  );
}

function RotateDialog(props: { info: KeyInfo; onClose: () => void; onRotated: (token: string) => void }) {
  const [expiresIn, setExpiresIn] = useState(30 * 86400);
  const { busy, error, submit } = useAction();
  const noExpiry = props.info.expires_at === null;
  return (
    <Dialog title={`Rotate ${props.info.name || props.info.id}`} onClose={props.onClose}>
      <p>A new secret is issued; the old one stops working at once. A key can be rotated at most once an hour.</p>
      {noExpiry && (
        <p class="warning" role="note">
          This key never expires, and keys without an expiry cannot be rotated. Create a new key with an expiry instead.
        </p>
      )}
      <form
        onSubmit={submit(async () => {
          const r = await api<{ token: string }>("POST", `/auth/keys/${encodeURIComponent(props.info.id)}/rotate`, {
            expires_in: expiresIn,
          });
          props.onRotated(r.token);
        })}
      >
        <label for="rotate-expiry">New expiry</label>
        <select id="rotate-expiry" value={expiresIn} onChange={(e) => setExpiresIn(Number(e.currentTarget.value))}>
          {EXPIRIES.filter(([s]) => s > 0).map(([s, label]) => (
            <option key={s} value={s}>
              {label}
            </option>
          ))}
        </select>
        <ErrorText error={error} />
        <div class="buttons">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Rotate key
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export type { KeyInfo };
