import { useEffect, useState } from "preact/hooks";
import type { ConsentDetails } from "../../../clients/lightd";
import { useLoaded } from "../api";
import { whoAmI } from "../session";
import { ErrorText } from "../ui";
import { SignIn } from "./signin";

/**
 * The OAuth consent page at /oauth/authorize: a person who is not signed in signs in here and
 * comes back to the same request. Allow and Deny are a plain form POST, so the server's 303
 * takes the browser back to the app; the page cannot be framed (the server's headers).
 */
export function ConsentApp() {
  const [signedIn, setSignedIn] = useState<boolean | undefined>(undefined);
  const check = () =>
    whoAmI().then(
      () => setSignedIn(true),
      () => setSignedIn(false),
    );
  useEffect(() => void check(), []);
  if (signedIn === undefined) return <p class="loading">Loading…</p>;
  if (!signedIn) return <SignIn onSignedIn={check} />;
  return <Consent />;
}

function Consent() {
  const { data: details, error } = useLoaded<ConsentDetails>(`/oauth/consent${location.search}`);
  useEffect(() => {
    document.title = "Authorize an app · lightd";
  }, []);
  if (error) {
    return (
      <main class="signin">
        <h1>This app's request cannot be completed</h1>
        <ErrorText error={error} />
      </main>
    );
  }
  if (!details) return <p class="loading">Loading…</p>;
  const grantable = details.scopes.every((s) => s.granted);
  const fields = [...new URLSearchParams(location.search)];
  return (
    <main class="signin consent">
      <h1>Allow {details.client_name} to use your lightd account?</h1>
      <div class="card">
        <p>
          Signed in as <strong>{details.actor}</strong>. If you allow it, you will be sent back to{" "}
          <strong class="mono">{details.redirect_host}</strong>.
        </p>
        <h2>{details.client_name} asks to</h2>
        <ul class="scopes">
          {details.scopes.map((s) => (
            <li key={s.scope}>
              {s.description} <span class="mono muted">({s.scope})</span>
              {!s.granted && <strong class="warning"> — you cannot grant this</strong>}
            </li>
          ))}
        </ul>
        {details.prefix && (
          <p>
            Only files under <span class="mono">{details.prefix}</span>.
          </p>
        )}
        {!grantable && (
          <p class="warning" role="note">
            Your sign-in lacks some of these permissions, so you can only deny this request.
          </p>
        )}
        <form method="post" action="/oauth/authorize">
          {fields.map(([name, value]) => (
            <input type="hidden" name={name} value={value} key={`${name}=${value}`} />
          ))}
          <div class="buttons">
            <button type="submit" name="decision" value="deny">
              Deny
            </button>
            <button type="submit" name="decision" value="allow" class="primary" disabled={!grantable}>
              Allow
            </button>
          </div>
        </form>
        <p class="muted">You can revoke its access at any time under “OAuth apps”.</p>
      </div>
    </main>
  );
}
