import { useEffect, useState } from "preact/hooks";

/**
 * Client-side routes live in the URL fragment (`/#/files/docs/`), so they can never shadow
 * an API route and a reload keeps the page.
 */
export interface Route {
  page: string;
  rest: string;
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const slash = text.indexOf("/");
  const page = slash === -1 ? text : text.slice(0, slash);
  let rest = slash === -1 ? "" : text.slice(slash + 1);
  try {
    rest = decodeURIComponent(rest);
  } catch {
    rest = "";
  }
  return { page: page || "files", rest };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function href(page: string, rest = ""): string {
  return `#/${page}${rest ? `/${encodeURIComponent(rest).replaceAll("%2F", "/")}` : ""}`;
}
