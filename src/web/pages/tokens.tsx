import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime } from "../format";
import { SecretOnce, SubmitRow, useAction } from "../ui";

/** Programmatic tokens (master token only): a TTL, optionally good for a single request. */
export function TokensPage() {
  const [ttl, setTtl] = useState("1h");
  const [single, setSingle] = useState(false);
  const [created, setCreated] = useState<{ token: string; expires_at: string } | null>(null);
  const { busy, error, submit } = useAction();
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">Programmatic tokens</h1>
      <p class="muted">Short-lived tokens with the master token's power, for scripts and CI.</p>
      <form
        class="card"
        onSubmit={submit(async () =>
          setCreated(await api("POST", "/auth/tokens", { ttl: ttl.trim(), remove_on_use: single })),
        )}
      >
        <label for="token-ttl">Lifetime (30s, 15m, 1h, 7d … up to 365d)</label>
        <input
          id="token-ttl"
          class="mono"
          required
          value={ttl}
          aria-describedby={error ? "token-error" : undefined}
          onInput={(e) => setTtl(e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={single} onChange={(e) => setSingle(e.currentTarget.checked)} /> Single use:
          works for exactly one request
        </label>
        <SubmitRow label="Create token" busy={busy} error={error} errorId="token-error" />
      </form>
      {created && (
        <div class="card">
          <h2>Token created</h2>
          <p>Expires {formatTime(Date.parse(created.expires_at))}.</p>
          <SecretOnce label="token" secret={created.token} />
        </div>
      )}
    </section>
  );
}
