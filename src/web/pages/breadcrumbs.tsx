import { href } from "../router";

/**
 * Where the open folder is, from `home`: the folder the credential is held to (its prefix, as
 * /auth/me answers; "" for everything), so a key limited to `photos/` starts in `photos/`.
 */
export function Breadcrumbs({ prefix, home }: { prefix: string; home: string }) {
  const root = prefix.startsWith(home) ? home : "";
  const parts = prefix.slice(root.length).split("/").filter(Boolean);
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        <li>
          <a href={href("files", root)} aria-current={parts.length === 0 ? "page" : undefined}>
            {root ? root.slice(0, -1) : "Home"}
          </a>
        </li>
        {parts.map((part, i) => {
          const path = `${root}${parts.slice(0, i + 1).join("/")}/`;
          return (
            <li key={path}>
              <a href={href("files", path)} aria-current={i === parts.length - 1 ? "page" : undefined}>
                {part}
              </a>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
