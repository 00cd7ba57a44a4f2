import { useState } from "preact/hooks";
import { api } from "../api";
import type { Me } from "../session";
import { SubmitRow, useAction } from "../ui";

export const EXPIRIES: [number, string][] = [
  [7 * 86400, "7 days"],
  [30 * 86400, "30 days"],
  [90 * 86400, "90 days"],
  [365 * 86400, "1 year"],
  [0, "Never (cannot be rotated)"],
];

const SCOPE_HELP: Record<string, string> = {
  "files:read": "list and download",
  "files:write": "upload, move, create folders",
  "files:delete": "delete",
  share: "create share links",
  "keys:read": "list keys",
  "keys:write": "create, rotate, revoke keys",
  admin: "manage accounts",
};

export function KeyForm({ me, onCreated }: { me: Me; onCreated: (k: { name: string; token: string }) => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(me.scopes.filter((s) => s.startsWith("files:")));
  const [prefix, setPrefix] = useState(me.prefix);
  const [environment, setEnvironment] = useState(me.space);
  const [expiresIn, setExpiresIn] = useState(30 * 86400);
  const { busy, error, submit } = useAction();
  return (
    <form
      class="card"
      aria-labelledby="new-key-title"
      onSubmit={submit(async () => {
        const created = await api<{ name: string; token: string }>("POST", "/auth/keys", {
          name: name.trim() || undefined,
          scopes,
          prefix,
          environment,
          ...(expiresIn > 0 ? { expires_in: expiresIn } : {}),
        });
        setName("");
        onCreated({ name: created.name, token: created.token });
      })}
    >
      <h2 id="new-key-title">New key</h2>
      <label for="key-name">Name</label>
      <input
        id="key-name"
        value={name}
        maxLength={100}
        placeholder="deploy-bot"
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <fieldset>
        <legend>Scopes</legend>
        {me.scopes.map((scope) => (
          <label class="check" key={scope}>
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes((s) => (e.currentTarget.checked ? [...s, scope] : s.filter((x) => x !== scope)))
              }
            />
            <span class="mono">{scope}</span> <span class="muted">{SCOPE_HELP[scope] ?? ""}</span>
          </label>
        ))}
      </fieldset>
      <label for="key-prefix">Path prefix (empty: all your files)</label>
      <input
        id="key-prefix"
        class="mono"
        value={prefix}
        placeholder="site/"
        onInput={(e) => setPrefix(e.currentTarget.value)}
      />
      <fieldset>
        <legend>Environment</legend>
        <label class="check">
          <input type="radio" name="env" checked={environment === "live"} onChange={() => setEnvironment("live")} />{" "}
          live — your files
        </label>
        <label class="check">
          <input type="radio" name="env" checked={environment === "test"} onChange={() => setEnvironment("test")} />{" "}
          test — a separate, empty space
        </label>
      </fieldset>
      <label for="key-expiry">Expires after</label>
      <select id="key-expiry" value={expiresIn} onChange={(e) => setExpiresIn(Number(e.currentTarget.value))}>
        {EXPIRIES.map(([s, label]) => (
          <option key={s} value={s}>
            {label}
          </option>
        ))}
      </select>
      <SubmitRow label="Create key" busy={busy} error={error} />
    </form>
  );
}
