import { useState } from "preact/hooks";
import type { AuthorizedApp as Authorization } from "../../../clients/lightd";
import { api, useLoaded } from "../api";
import { formatTime } from "../format";
import { can, type Me } from "../session";
import { ConfirmDialog, ErrorText, ListHead, type Question, ScopesCell, SecretOnce } from "../ui";
import { AppForm, type ClientInfo } from "./app-form";

/**
 * OAuth apps: the apps this person has let in (revocable), and the apps they registered
 * themselves (client id, secret shown once, rotate, delete).
 */
export function AppsPage({ me }: { me: Me }) {
  const authorized = useLoaded<{ authorizations: Authorization[] }>("/oauth/authorizations");
  const registered = useLoaded<{ clients: ClientInfo[] }>("/oauth/clients");
  const grants = authorized.data?.authorizations ?? null;
  const clients = registered.data?.clients ?? null;
  const error = authorized.error ?? registered.error;
  const [secret, setSecret] = useState<{ name: string; id: string; secret?: string } | null>(null);
  const [confirm, setConfirm] = useState<Question | null>(null);
  const load = () => {
    void authorized.reload();
    void registered.reload();
  };
  const writable = can(me, "keys:write");
  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">OAuth applications</h1>
      <ErrorText error={error} />
      <h2>Apps you have authorized</h2>
      {grants && grants.length === 0 && <p>No app has access to your account.</p>}
      {grants && grants.length > 0 && (
        <table class="keys">
          <caption class="sr-only">Authorized apps</caption>
          <ListHead columns={["App", "Scopes · prefix", "Allowed", "Last used"]} />
          <tbody>
            {grants.map((g) => (
              <tr key={g.id}>
                <th scope="row" data-label="App">
                  {g.client_name}
                </th>
                <ScopesCell scopes={g.scopes} prefix={g.prefix} />
                <td data-label="Allowed">{formatTime(g.created_at)}</td>
                <td data-label="Last used">{g.last_used_at === null ? "never" : formatTime(g.last_used_at)}</td>
                <td class="actions">
                  {writable && (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Revoke access of ${g.client_name}`}
                      onClick={() =>
                        setConfirm({
                          title: `Revoke ${g.client_name}?`,
                          text: "Its access and refresh tokens are refused from their very next request.",
                          action: "Revoke access",
                          run: () => api("DELETE", `/oauth/authorizations/${encodeURIComponent(g.id)}`),
                        })
                      }
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Your applications</h2>
      <p class="muted">Register an app to let it ask people for access to their lightd files (OAuth 2.0 with PKCE).</p>
      {writable && (
        <AppForm
          onCreated={(c) => {
            setSecret({ name: c.client_name, id: c.client_id, secret: c.client_secret });
            load();
          }}
        />
      )}
      {secret && (
        <div class="card">
          <h2>“{secret.name}” registered</h2>
          <p>
            Client ID: <span class="mono">{secret.id}</span>
          </p>
          {secret.secret ? (
            <SecretOnce label="client secret" secret={secret.secret} />
          ) : (
            <p>A public app has no secret: it proves itself with PKCE.</p>
          )}
          <button type="button" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      {clients && clients.length === 0 && <p>No applications registered.</p>}
      {clients && clients.length > 0 && (
        <table class="keys">
          <caption class="sr-only">Your OAuth applications</caption>
          <ListHead columns={["Name", "Client ID", "Redirect URIs", "Type"]} />
          <tbody>
            {clients.map((c) => (
              <tr key={c.client_id}>
                <th scope="row" data-label="Name">
                  {c.client_name}
                </th>
                <td data-label="Client ID" class="mono">
                  {c.client_id}
                </td>
                <td data-label="Redirect URIs" class="mono">
                  {c.redirect_uris.join(" ")}
                </td>
                <td data-label="Type">{c.token_endpoint_auth_method === "none" ? "public" : "confidential"}</td>
                <td class="actions">
                  {writable && c.token_endpoint_auth_method !== "none" && (
                    <button
                      type="button"
                      aria-label={`Rotate the secret of ${c.client_name}`}
                      onClick={() =>
                        setConfirm({
                          title: `New secret for ${c.client_name}?`,
                          text: "The old secret stops working at once.",
                          action: "Rotate secret",
                          run: async () => {
                            const r = await api<ClientInfo>(
                              "POST",
                              `/oauth/clients/${encodeURIComponent(c.client_id)}/secret`,
                            );
                            setSecret({ name: r.client_name, id: r.client_id, secret: r.client_secret });
                          },
                        })
                      }
                    >
                      Rotate secret
                    </button>
                  )}
                  {writable && (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Delete ${c.client_name}`}
                      onClick={() =>
                        setConfirm({
                          title: `Delete ${c.client_name}?`,
                          text: "Everyone who authorized it loses that access at once. This cannot be undone.",
                          action: "Delete app",
                          run: () => api("DELETE", `/oauth/clients/${encodeURIComponent(c.client_id)}`),
                        })
                      }
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirm && (
        <ConfirmDialog
          {...confirm}
          onClose={() => setConfirm(null)}
          onDone={() => {
            setConfirm(null);
            load();
          }}
        />
      )}
    </section>
  );
}
