import { decodeUrlPart } from "../domain/paths";

/**
 * A path-like query parameter (`prefix`, `path`) decoded strictly from the raw URL: the
 * query parser keeps invalid percent-encoding such as `%FF` as literal text, which would
 * silently name another path; here it is a 400 like any other bad path.
 */
export function queryPathOf(request: Request, name: string): string | undefined {
  const url = request.url;
  const q = url.indexOf("?");
  if (q === -1) return undefined;
  for (const pair of url.slice(q + 1).split("&")) {
    const eq = pair.indexOf("=");
    if ((eq === -1 ? pair : pair.slice(0, eq)) !== name) continue;
    return decodeUrlPart((eq === -1 ? "" : pair.slice(eq + 1)).replaceAll("+", " "), name);
  }
  return undefined;
}
