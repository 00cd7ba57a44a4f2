import { useState } from "preact/hooks";
import type { OAuthClient as ClientInfo } from "../../../clients/lightd";
import { api } from "../api";
import { SubmitRow, useAction } from "../ui";

/** Registers an OAuth app (RFC 7591 fields): name, redirect URIs one per line, public or confidential. */
export function AppForm({ onCreated }: { onCreated: (c: ClientInfo) => void }) {
  const [name, setName] = useState("");
  const [uris, setUris] = useState("");
  const [kind, setKind] = useState<"client_secret_basic" | "none">("client_secret_basic");
  const { busy, error, submit } = useAction();
  return (
    <form
      class="card"
      aria-labelledby="new-app-title"
      onSubmit={submit(async () => {
        const created = await api<ClientInfo>("POST", "/oauth/clients", {
          client_name: name.trim(),
          redirect_uris: uris
            .split("\n")
            .map((u) => u.trim())
            .filter(Boolean),
          token_endpoint_auth_method: kind,
        });
        setName("");
        setUris("");
        onCreated(created);
      })}
    >
      <h2 id="new-app-title">Register an application</h2>
      <label for="app-name">Application name</label>
      <input id="app-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="app-uris">Redirect URIs (one per line)</label>
      <textarea
        id="app-uris"
        class="mono"
        required
        rows={3}
        placeholder="https://app.example.com/callback"
        value={uris}
        onInput={(e) => setUris(e.currentTarget.value)}
      />
      <fieldset>
        <legend>Type</legend>
        <label class="check">
          <input
            type="radio"
            name="app-kind"
            checked={kind === "client_secret_basic"}
            onChange={() => setKind("client_secret_basic")}
          />{" "}
          confidential — a server that keeps a client secret
        </label>
        <label class="check">
          <input type="radio" name="app-kind" checked={kind === "none"} onChange={() => setKind("none")} /> public — a
          browser or native app (PKCE only, no secret)
        </label>
      </fieldset>
      <SubmitRow label="Register application" busy={busy} error={error} />
    </form>
  );
}

export type { ClientInfo };
