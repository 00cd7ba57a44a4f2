import { href } from "../router";

export function Breadcrumbs({ prefix }: { prefix: string }) {
  const parts = prefix.split("/").filter(Boolean);
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        <li>
          <a href={href("files")} aria-current={parts.length === 0 ? "page" : undefined}>
            Home
          </a>
        </li>
        {parts.map((part, i) => {
          const path = `${parts.slice(0, i + 1).join("/")}/`;
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
