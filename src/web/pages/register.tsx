import { useMemo, useState } from "preact/hooks";
import { api } from "../api";
import { generateKeyPair } from "../ed25519";
import { signInWithKey } from "../session";
import { ErrorText, SubmitRow, useAction } from "../ui";

/**
 * A new Ed25519 account: the key pair is made in this page, the public half registered,
 * and the private half offered for download once (the server never sees it).
 */
export function Register({ onSignedIn }: { onSignedIn: () => void }) {
  const [actor, setActor] = useState("");
  const [registered, setRegistered] = useState(false);
  const [saved, setSaved] = useState(false);
  const pair = useMemo(generateKeyPair, []);
  const download = useMemo(() => URL.createObjectURL(new Blob([pair.pem], { type: "application/x-pem-file" })), [pair]);
  const { busy, error, run, submit } = useAction();

  if (registered) {
    return (
      <div>
        <p role="status" class="ok">
          Account <strong>{actor}</strong> created.
        </p>
        <p class="warning">
          Download your private key now and keep it safe. It exists only in this page: lightd cannot show or recover it.
        </p>
        <a class="button primary" href={download} download={`${actor}.pem`} onClick={() => setSaved(true)}>
          Download private key ({actor}.pem)
        </a>
        <ErrorText error={error} />
        <button
          type="button"
          disabled={!saved || busy}
          onClick={() =>
            void run(async () => {
              await signInWithKey(actor, pair.seed);
              onSignedIn();
            })
          }
        >
          Continue to the dashboard
        </button>
      </div>
    );
  }
  return (
    <form
      onSubmit={submit(async () => {
        await api("POST", "/auth/register", { actor: actor.trim(), public_key: pair.publicKey });
        setRegistered(true);
      })}
    >
      <p class="muted">A key pair is generated in this browser; only the public key is sent.</p>
      <label for="new-actor">Account name</label>
      <input
        id="new-actor"
        required
        pattern="[A-Za-z0-9_\-]{1,64}"
        title="1–64 letters, digits, - or _"
        value={actor}
        onInput={(e) => setActor(e.currentTarget.value)}
      />
      <SubmitRow label="Create account" busy={busy} error={error} />
    </form>
  );
}
