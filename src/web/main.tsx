import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { whenSignedOut } from "./api";
import { UploadQueue } from "./files/upload";
import { UploadConflictDialog } from "./files/upload-conflict";
import { UploadsPanel } from "./files/uploads-panel";
import { ActivityPage } from "./pages/activity";
import { AdminPage } from "./pages/admin";
import { AppsPage } from "./pages/apps";
import { ConsentApp } from "./pages/consent";
import { FilesPage } from "./pages/files";
import { KeysPage } from "./pages/keys";
import { SharesPage } from "./pages/shares";
import { SignIn } from "./pages/signin";
import { TokensPage } from "./pages/tokens";
import { TrashPage } from "./pages/trash";
import { href, useRoute } from "./router";
import { can, isAdmin, type Me, signOut, whoAmI } from "./session";

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = () =>
    whoAmI()
      .then(setMe)
      .catch(() => setMe(null));
  useEffect(() => {
    whenSignedOut(() => setMe(null));
    void refresh();
  }, []);
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={refresh} />;
  return <Shell me={me} onSignedOut={() => setMe(null)} />;
}

function Shell({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const route = useRoute();
  const uploads = useMemo(() => new UploadQueue(), []);
  useLeaveWarning(uploads);
  const pages: [string, string, boolean][] = [
    ["files", "Files", can(me, "files:read")],
    ["shares", "Shares", can(me, "share")],
    ["keys", "API keys", can(me, "keys:read")],
    ["tokens", "Tokens", me.source === "master"],
    ["apps", "OAuth apps", can(me, "keys:read")],
    ["trash", "Trash", can(me, "files:read")],
    ["activity", "Activity", can(me, "files:read")],
    ["admin", "Accounts", isAdmin(me)],
  ];
  const visible = pages.filter(([, , shown]) => shown);
  const current = visible.find(([id]) => id === route.page)?.[0] ?? visible[0]?.[0] ?? "files";
  useEffect(() => {
    document.title = `${visible.find(([id]) => id === current)?.[1] ?? "lightd"} · lightd`;
  }, [current]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">lightd</span>
        <nav aria-label="Main">
          {visible.map(([id, label]) => (
            <a key={id} href={href(id)} aria-current={id === current ? "page" : undefined}>
              {label}
            </a>
          ))}
          <a href="/swagger">API docs</a>
        </nav>
        <span class="who">
          <span title={`signed in as ${me.actor} (${me.source})`}>{me.actor}</span>
          <button type="button" onClick={() => void signOut().finally(onSignedOut)}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {current === "files" ? (
          <FilesPage me={me} folder={(route.page === "files" && route.rest) || me.prefix} uploads={uploads} />
        ) : (
          <UploadsPanel queue={uploads} />
        )}
        {current === "shares" && <SharesPage />}
        {current === "keys" && <KeysPage me={me} />}
        {current === "tokens" && <TokensPage />}
        {current === "apps" && <AppsPage me={me} />}
        {current === "trash" && <TrashPage me={me} />}
        {current === "activity" && <ActivityPage />}
        {current === "admin" && <AdminPage />}
      </main>
      <UploadConflictDialog queue={uploads} />
    </>
  );
}

/**
 * While an upload runs, closing or reloading the tab asks first (the browser's own prompt): the
 * upload would stop. The listener exists only then, so an idle page stays in the back-forward cache.
 */
function useLeaveWarning(uploads: UploadQueue) {
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (!uploads.running) return;
      e.preventDefault();
      e.returnValue = "";
    };
    let warning = false;
    const update = () => {
      if (uploads.running === warning) return;
      warning = uploads.running;
      if (warning) addEventListener("beforeunload", warn);
      else removeEventListener("beforeunload", warn);
    };
    const stop = uploads.subscribe(update);
    return () => {
      stop();
      removeEventListener("beforeunload", warn);
    };
  }, [uploads]);
}

// /oauth/authorize serves this same bundle: there it is the consent page, not the dashboard.
const root = location.pathname === "/oauth/authorize" ? <ConsentApp /> : <App />;
render(root, document.getElementById("app") as HTMLElement);
