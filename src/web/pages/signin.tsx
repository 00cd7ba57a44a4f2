import { useState } from "preact/hooks";
import { api } from "../api";
import { parsePrivateKey } from "../ed25519";
import { openSession, signInWithKey } from "../session";
import { ErrorText, SubmitRow, useAction } from "../ui";
import { Register } from "./register";

type Method = "email" | "key" | "token" | "register";
const METHODS: [Method, string][] = [
  ["email", "E-mail link"],
  ["key", "Ed25519 key"],
  ["token", "Token or API key"],
  ["register", "New account"],
];

/** The tab a key moves to from tab `index` (WAI-ARIA tabs: arrows wrap around, Home and End go to the ends). */
function tabAfterKey(key: string, index: number): number | null {
  const last = METHODS.length - 1;
  if (key === "ArrowRight") return index === last ? 0 : index + 1;
  if (key === "ArrowLeft") return index === 0 ? last : index - 1;
  if (key === "Home") return 0;
  if (key === "End") return last;
  return null;
}

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [method, setMethod] = useState<Method>("email");
  return (
    <main class="signin">
      <h1>Sign in to lightd</h1>
      <div class="tabs" role="tablist" aria-label="Sign-in method">
        {METHODS.map(([id, label], index) => (
          <button
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={method === id}
            aria-controls={`panel-${id}`}
            // Roving tabindex: Tab reaches the chosen tab only; the arrows move between tabs.
            tabIndex={method === id ? 0 : -1}
            key={id}
            onClick={() => setMethod(id)}
            onKeyDown={(e) => {
              const next = tabAfterKey(e.key, index);
              if (next === null) return;
              e.preventDefault();
              const [nextId] = METHODS[next] as [Method, string];
              setMethod(nextId);
              document.getElementById(`tab-${nextId}`)?.focus();
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${method}`} aria-labelledby={`tab-${method}`} class="card">
        {method === "email" && <EmailForm />}
        {method === "key" && <KeyForm onSignedIn={onSignedIn} />}
        {method === "token" && <TokenForm onSignedIn={onSignedIn} />}
        {method === "register" && <Register onSignedIn={onSignedIn} />}
      </section>
      <p class="muted">
        API reference: <a href="/swagger">/swagger</a>
      </p>
    </main>
  );
}

function EmailForm() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, submit } = useAction();
  return (
    <form
      onSubmit={submit(async () =>
        setSent((await api<{ message: string }>("POST", "/auth/magic-link", { email })).message),
      )}
    >
      <label for="email">E-mail address</label>
      <input
        id="email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      <ErrorText error={error} />
      {sent && (
        <p role="status" class="ok">
          {sent}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        Send sign-in link
      </button>
    </form>
  );
}

function KeyForm({ onSignedIn }: { onSignedIn: () => void }) {
  const [actor, setActor] = useState("");
  const [keyText, setKeyText] = useState("");
  const { busy, error, setError, run } = useAction();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const seed = parsePrivateKey(keyText);
        if (typeof seed === "string") return setError(seed);
        void run(async () => {
          await signInWithKey(actor.trim(), seed);
          onSignedIn();
        });
      }}
    >
      <p class="muted">Your key is used in this page to sign a one-time challenge; it is never sent.</p>
      <label for="actor">Account name</label>
      <input
        id="actor"
        autoComplete="username"
        required
        value={actor}
        onInput={(e) => setActor(e.currentTarget.value)}
      />
      <label for="keyfile">Private key file</label>
      <input
        id="keyfile"
        type="file"
        accept=".pem,.key,.txt,text/plain"
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          if (file) setKeyText(await file.text());
        }}
      />
      <label for="keytext">or paste it (PEM, or the base64 seed)</label>
      <textarea
        id="keytext"
        rows={4}
        class="mono"
        spellcheck={false}
        value={keyText}
        onInput={(e) => setKeyText(e.currentTarget.value)}
      />
      <SubmitRow label="Sign in with key" busy={busy} error={error} />
    </form>
  );
}

function TokenForm({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const { busy, error, submit } = useAction();
  return (
    <form
      onSubmit={submit(async () => {
        await openSession(token.trim());
        setToken("");
        onSignedIn();
      })}
    >
      <p class="muted">
        The master token, a programmatic token or a live API key. lightd answers with a session cookie of the same
        power; the token itself is not kept in this browser.
      </p>
      <label for="token">Token</label>
      <input
        id="token"
        type="password"
        autoComplete="off"
        required
        class="mono"
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <SubmitRow label="Sign in with token" busy={busy} error={error} />
    </form>
  );
}
